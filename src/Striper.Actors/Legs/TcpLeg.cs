using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Akka.Actor;
using Microsoft.Extensions.Logging;
using Striper.Actors.Buffers;
using Striper.Actors.Security;
using Striper.Actors.Services;
using Striper.Actors.Wire;
using static Striper.Actors.Legs.TcpLegProtocol;

namespace Striper.Actors.Legs;

/// <summary>
/// One actor per TCP socket, edge or substream. Two loops run beside the mailbox, as in Kestrel's socket
/// transport: a receive loop (socket → pipe → <see cref="ILegInbound"/> → messages to other actors) and a
/// send loop (<see cref="LegOutput"/>: queued segments → one gather send per batch → socket). The actor itself only
/// queues what it is told to write, so a busy socket never blocks a mailbox. Back-pressure on the way in is the
/// inbound strategy's business (credit); on the way out it is the protocol's (senders respect credit and in-flight
/// caps). The leg stops itself once both loops have ended; a leg is never restarted. On an encrypted substream
/// every frame is sealed here, in the order it is queued (the frame counter is the nonce), into one pooled buffer
/// per frame: header, ciphertext, tag. That costs one pass over the payload and no allocation.
/// </summary>
internal sealed partial class TcpLeg : ReceiveActor, IFrameWriter
{
    /// <summary>
    /// Frame headers that may wait unsent before the peer counts as not reading. A healthy substream queues at most its
    /// in-flight DATA's headers (about a thousand with the defaults); a peer that floods frames it never reads the answers
    /// to would otherwise make us queue one ACK per frame for as long as it likes.
    /// </summary>
    internal const int MaxHeadersQueued = 64 * 1024;

    private readonly Socket _socket;
    private readonly ILegInbound _inbound;
    private readonly IActorRef? _writtenListener;
    /// <summary>
    /// Receive buffer of a frame leg that has been getting little (acknowledgements): receive buffers are charged to
    /// the proxy's budget while held, and a full-size one per acknowledgement-only leg took a third of it in the lab.
    /// </summary>
    private const int SmallReceiveSize = 4096;

    private readonly int _receiveSize;
    private readonly MemoryPool<byte> _receivePool;
    private readonly byte[]? _preamble;
    private readonly FrameSealer? _sealer;
    private readonly CancellationTokenSource _stopping = new();
    private readonly LegOutput _output = new();
    private bool _inputEnded;
    private bool _outputEnded;

    public TcpLeg(Socket socket, ILegInbound inbound, IActorRef? writtenListener, int receiveSize, byte[]? preamble, FrameSealer? sealer, MemoryPool<byte>? receivePool)
    {
        _receivePool = receivePool ?? BudgetedMemoryPool.Unbudgeted;
        _sealer = sealer;
        _socket = socket;
        _inbound = inbound;
        _writtenListener = writtenListener;
        _receiveSize = receiveSize;
        _preamble = preamble;

        Receive<WriteRaw>(OnWriteRaw);
        Receive<WriteData>(OnWriteData);
        Receive<WriteAck>(this.Write);
        Receive<WriteFin>(this.Write);
        Receive<WriteRst>(this.Write);
        Receive<GrantRead>(m => ((IReadCredit)_inbound).Grant(m.Bytes));
        Receive<Shutdown>(_ => CloseOutput());
        Receive<Abort>(m => AbortSocket(m.Reason));
        Receive<InputViolation>(OnInputViolation);
        Receive<InputLoopEnded>(_ =>
        {
            _inputEnded = true;
            StopWhenDone();
        });
        Receive<OutputLoopEnded>(OnOutputLoopEnded);
    }

    /// <param name="receivePool">Where a frame leg's receive buffers come from (charged to its proxy's budget).</param>
    public static Props Props(
        Socket socket, ILegInbound inbound, IActorRef? writtenListener, int receiveSize, byte[]? preamble = null, FrameSealer? sealer = null, MemoryPool<byte>? receivePool = null) =>
        Akka.Actor.Props.Create(() => new TcpLeg(socket, inbound, writtenListener, receiveSize, preamble, sealer, receivePool));

    protected override void PreStart()
    {
        // Before the receive loop exists: whatever the inbound announces is queued ahead of what the loop will tell.
        _inbound.Started(Self);
        if (_preamble is not null)
        {
            _output.Enqueue(new OutgoingSegment(_preamble));
        }

        var self = Self;
        _ = Task.Run(() => ReceiveLoopAsync(self));
        _ = Task.Run(() => SendLoopAsync(self));
    }

    protected override void PostStop()
    {
        _stopping.Cancel();
        _output.Complete();
        _socket.Dispose();
        _stopping.Dispose();
        _sealer?.Dispose();
    }

    private void OnWriteRaw(WriteRaw message) =>
        _output.Enqueue(new OutgoingSegment(message.Lease.Segment, Owned: message.Lease));

    private void OnWriteData(WriteData message)
    {
        var header = message.Header();
        if (_sealer is not null)
        {
            WriteSealed(header, message.Lease.Span);
            return;
        }

        // The payload is sent from the Striper's own buffer, which it keeps until the far side acknowledges it.
        if (WriteHeader(header, []))
        {
            _output.Enqueue(new OutgoingSegment(message.Lease.Segment));
        }
    }

    /// <summary>Queues a frame header, followed by a small inline payload (ACK, RST) when there is one.</summary>
    public bool WriteHeader(FrameHeader header, ReadOnlySpan<byte> inlinePayload)
    {
        if (_output.IsCompleted)
        {
            return false;
        }

        if (_output.HeadersQueued >= MaxHeadersQueued)
        {
            OnViolation($"the peer is not reading: {_output.HeadersQueued} frames wait to be sent to it");
            return false;
        }

        if (_sealer is not null)
        {
            return WriteSealed(header, inlinePayload);
        }

        var size = ProtocolConstants.FrameHeaderSize + inlinePayload.Length;
        var bytes = BufferPool.Arrays.Rent(size);
        header.Write(bytes);
        inlinePayload.CopyTo(bytes.AsSpan(ProtocolConstants.FrameHeaderSize));
        return _output.Enqueue(new OutgoingSegment(new ArraySegment<byte>(bytes, 0, size), RentedArray: true));
    }

    /// <summary>Queues header, sealed payload and tag as one pooled buffer.</summary>
    private bool WriteSealed(FrameHeader header, ReadOnlySpan<byte> payload)
    {
        if (_output.IsCompleted)
        {
            return false;
        }

        var size = FrameSealer.FrameSize(payload.Length);
        var bytes = BufferPool.Arrays.Rent(size);
        _sealer!.SealFrame(header, payload, bytes.AsSpan(0, size));
        return _output.Enqueue(new OutgoingSegment(new ArraySegment<byte>(bytes, 0, size), RentedArray: true));
    }

    private void CloseOutput() => _output.Complete();

    private void AbortSocket(string reason)
    {
        Log.Aborting(Context.Logger(), Self.Path.ToString(), reason);
        try
        {
            // Linger 0 turns close into a RST, which is how an abort reaches the peer promptly.
            _socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }

        // Close before completing the output: a completed output lets the send loop FIN the socket,
        // and a FIN that overtakes the RST would tell the peer "clean end" instead of "reset".
        _socket.Close();
        _stopping.Cancel();
        CloseOutput();
    }

    private void OnInputViolation(InputViolation message) => OnViolation(message.Reason);

    private void OnViolation(string reason)
    {
        Log.Violation(Context.Logger(), Self.Path.ToString(), reason);
        Context.Parent.Tell(new Violation(Self, reason));
        AbortSocket("protocol violation: " + reason);
    }

    private void OnOutputLoopEnded(OutputLoopEnded message)
    {
        _outputEnded = true;
        Context.Parent.Tell(new OutputEnded(Self, message.Error));
        StopWhenDone();
    }

    private void StopWhenDone()
    {
        if (_inputEnded && _outputEnded)
        {
            Context.Stop(Self);
        }
    }

    private async Task ReceiveLoopAsync(IActorRef self)
    {
        var (error, leftover) = _inbound switch
        {
            IChunkInbound chunks => await ReceiveChunksAsync(chunks),
            IFrameInbound frames => await ReceiveFramesAsync(frames, self),
            _ => throw new InvalidOperationException($"unknown inbound strategy {_inbound.GetType().Name}"),
        };

        _inbound.Completed(error, leftover);
        self.Tell(new InputLoopEnded());
    }

    /// <summary>
    /// Raw bytes: receive straight into a lease and top it up with whatever else has already arrived, so a fast sender
    /// yields full chunks (fewer messages, frames and ACKs per byte) while a trickle is still passed on at once.
    /// </summary>
    private async Task<(Exception? Error, long Leftover)> ReceiveChunksAsync(IChunkInbound inbound)
    {
        var token = _stopping.Token;
        var lastFilled = false;
        try
        {
            while (true)
            {
                await inbound.WaitUntilReadyAsync(token);
                var size = inbound.NextChunkSize;
                if (size == 0)
                {
                    continue;
                }

                if (!lastFilled)
                {
                    await WaitForDataAsync(token);
                }

                var chunk = BufferLease.Rent(size);
                int received;
                try
                {
                    received = await _socket.ReceiveAsync(chunk.WritableMemory, SocketFlags.None, token);
                    while (received > 0 && received < size && _socket.Available > 0)
                    {
                        received += _socket.Receive(chunk.WritableSpan[received..], SocketFlags.None);
                    }
                }
                catch
                {
                    chunk.Dispose();
                    throw;
                }

                if (received == 0)
                {
                    chunk.Dispose();
                    return (null, 0);
                }

                lastFilled = received == size;

                inbound.Accept(Fit(chunk, received));
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            return (ex, 0);
        }
    }

    /// <summary>
    /// A chunk is kept until the far side acknowledges it, so a few bytes must not pin a whole chunk-sized array:
    /// a short read moves to a lease of its own size (a small copy) and the large array goes back to the pool.
    /// </summary>
    private static BufferLease Fit(BufferLease chunk, int received)
    {
        if (received >= chunk.Length / 4)
        {
            chunk.Truncate(received);
            return chunk;
        }

        var fitted = BufferLease.CopyOf(chunk.Span[..received]);
        chunk.Dispose();
        return fitted;
    }

    /// <summary>Frames: a pipe holds partial frames across reads; the strategy consumes whole ones.</summary>
    private async Task<(Exception? Error, long Leftover)> ReceiveFramesAsync(IFrameInbound inbound, IActorRef self)
    {
        long leftover = 0;
        var lastFilled = false;
        var lastReceived = 0;
        var input = new Pipe(new PipeOptions(
            pool: _receivePool,
            pauseWriterThreshold: 0,
            readerScheduler: PipeScheduler.Inline,
            writerScheduler: PipeScheduler.Inline,
            minimumSegmentSize: SmallReceiveSize,
            useSynchronizationContext: false));
        var token = _stopping.Token;
        try
        {
            while (true)
            {
                await inbound.WaitUntilReadyAsync(token);
                if (leftover == 0 && !lastFilled)
                {
                    await WaitForDataAsync(token);
                }

                // A leg that carries only acknowledgements needs a few bytes at a time; one that carries data gets
                // whole receive buffers again as soon as a small one fills.
                var memory = input.Writer.GetMemory(lastReceived >= SmallReceiveSize ? _receiveSize : SmallReceiveSize);
                var received = await _socket.ReceiveAsync(memory, SocketFlags.None, token);
                lastFilled = received == memory.Length;
                lastReceived = received;
                if (received == 0)
                {
                    break;
                }

                input.Writer.Advance(received);
                await input.Writer.FlushAsync(token);
                input.Reader.TryRead(out var result);
                var buffer = result.Buffer;
                while (true)
                {
                    var violation = inbound.Process(ref buffer);
                    if (violation is not null)
                    {
                        self.Tell(new InputViolation(violation));
                        input.Reader.AdvanceTo(buffer.Start, buffer.End);
                        return (new InvalidDataException(violation), 0);
                    }

                    if (buffer.IsEmpty || !inbound.IsBlocked)
                    {
                        break;
                    }

                    await inbound.WaitUntilReadyAsync(token);
                }

                leftover = buffer.Length;
                input.Reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            return (ex, leftover);
        }
        finally
        {
            input.Writer.Complete();
            input.Reader.Complete();
        }

        return (null, leftover);
    }

    /// <summary>
    /// Waits until the socket has something to read (or its end) without holding a buffer meanwhile, so a quiet
    /// connection, a shell left open, pins no receive buffer: each leg would otherwise hold one the whole time.
    /// The zero-byte receive completes at once when data is already waiting; after a receive that filled its buffer
    /// more is most likely waiting, so the loops skip it then and save a system call per buffer under load.
    /// </summary>
    private ValueTask<int> WaitForDataAsync(CancellationToken token) => _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, token);

    private async Task SendLoopAsync(IActorRef self)
    {
        var listener = _writtenListener;
        var error = await _output.RunAsync(_socket, bytes => listener?.Tell(new Written(bytes)), _stopping.Token);
        if (error is null)
        {
            try
            {
                _socket.Shutdown(SocketShutdown.Send);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                error = ex;
            }
        }

        self.Tell(new OutputLoopEnded(error));
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 100, Level = LogLevel.Debug, Message = "{Leg}: resetting socket: {Reason}")]
        public static partial void Aborting(ILogger logger, string leg, string reason);

        [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "{Leg}: closing substream: {Reason}")]
        public static partial void Violation(ILogger logger, string leg, string reason);
    }
}
