using System.Buffers;
using System.Threading.Channels;
using Akka.Actor;
using Striper.Actors.Legs;
using Striper.Actors.Metrics;
using Striper.Actors.Msp;
using Striper.Actors.Security;
using Striper.Actors.Wire;

namespace Striper.Actors.Transport;

/// <summary>
/// A substream on an MSP stream. While the handshake runs, the stream's owner is a <see cref="MspSubstreamPort"/>, which
/// feeds each received message in here; reads take bytes from those messages (reporting each used-up message as
/// consumed, so the stream's window reopens) and writes become MSP messages. Then the stream is handed to an
/// <see cref="MspLeg"/> with whatever the handshake did not read. Thread safety: the port delivers on its mailbox, the
/// handshake reads and writes on its own task, one at a time.
/// </summary>
internal sealed class MspSubstreamConnection : SubstreamConnection
{
    private readonly Channel<ReadOnlyMemory<byte>> _received = Channel.CreateUnbounded<ReadOnlyMemory<byte>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _messageSize;
    private ReadOnlyMemory<byte> _current;
    private bool _hasCurrent;
    private long _sent;

    public MspSubstreamConnection(IActorRef stream, IActorRef port, string remote, int messageSize)
    {
        Stream = stream;
        Port = port;
        Remote = remote;
        _messageSize = messageSize;
    }

    public IActorRef Stream { get; }

    /// <summary>The actor that owns the stream during the handshake, and keeps its endpoint and flow while it lives.</summary>
    public IActorRef Port { get; }

    public override string Remote { get; }

    public long MessagesSent => Interlocked.Read(ref _sent);

    public MspProtocol.StateChanged? LastState { get; private set; }

    public override async ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (!_hasCurrent)
        {
            if (!await _received.Reader.WaitToReadAsync(cancellationToken))
            {
                return 0;
            }

            _received.Reader.TryRead(out _current);
            _hasCurrent = true;
        }

        var count = Math.Min(buffer.Length, _current.Length);
        _current[..count].CopyTo(buffer);
        _current = _current[count..];
        if (_current.IsEmpty)
        {
            _hasCurrent = false;
            Stream.Tell(new MspProtocol.Consumed(1), Port);
        }

        return count;
    }

    public override ValueTask SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        // The stream keeps a message until it is acknowledged, and callers reuse their buffers: copy. A handshake sends
        // two messages at most, far below any send limit (the stream's send buffer), so there is nothing to wait for.
        for (var start = 0; start < bytes.Length; start += _messageSize)
        {
            Stream.Tell(new MspProtocol.Send(bytes.Slice(start, Math.Min(_messageSize, bytes.Length - start)).ToArray()), Port);
            Interlocked.Increment(ref _sent);
        }

        return ValueTask.CompletedTask;
    }

    public override Props LegProps(SubstreamInbound inbound, int receiveSize, byte[]? preamble, FrameSealer? sealer, MemoryPool<byte> receivePool) =>
        MspLeg.Props(Stream, inbound, _messageSize, preamble, sealer, handedOver: true);

    public override void LegStarted(IActorRef leg, SubstreamStats? stats) => Port.Tell(new MspSubstreamPort.HandOver(leg, stats));

    public override async Task RejectAsync(HandshakeStatus status, TimeSpan drainLimit)
    {
        await SendAsync(HandshakeReply.Encode(status), CancellationToken.None);
        Stream.Tell(MspProtocol.Shutdown.Instance, Port);

        // Like a TCP refusal: the verdict is delivered before the stream ends, unless the peer does not end it in time.
        await Task.WhenAny(_closed.Task, Task.Delay(drainLimit > TimeSpan.Zero ? drainLimit : TimeSpan.Zero));
        Abort();
    }

    public override void Abort() => Stream.Tell(MspProtocol.Abort.Instance, Port);

    /// <summary>Port → here: one message from the peer.</summary>
    internal void Deliver(ReadOnlyMemory<byte> payload) => _received.Writer.TryWrite(payload);

    /// <summary>Port → here: the stream's state changed; its end ends the reads (with an error if it failed).</summary>
    internal void OnStateChanged(MspProtocol.StateChanged message)
    {
        LastState = message;
        if ((message.State & MspState.Error) != 0)
        {
            _received.Writer.TryComplete(new IOException("MSP stream failed: " + (message.Reason ?? "reset")));
            _closed.TrySetResult();
        }
        else if ((message.State & (MspState.ShutdownRemote | MspState.Closed)) != 0)
        {
            _received.Writer.TryComplete();
            if ((message.State & MspState.Closed) != 0)
            {
                _closed.TrySetResult();
            }
        }
    }

    /// <summary>Port → here: the stream actor is gone.</summary>
    internal void OnStreamStopped()
    {
        _received.Writer.TryComplete(new IOException("the MSP stream stopped"));
        _closed.TrySetResult();
    }

    /// <summary>What the handshake left unread, once it is over: the rest of the current message and every later one.</summary>
    internal (List<ReadOnlyMemory<byte>> Leftover, int Unconsumed) TakeLeftover()
    {
        var leftover = new List<ReadOnlyMemory<byte>>();
        if (_hasCurrent)
        {
            leftover.Add(_current);
            _hasCurrent = false;
        }

        while (_received.Reader.TryRead(out var message))
        {
            leftover.Add(message);
        }

        return (leftover, leftover.Count);
    }
}
