using System.Buffers;
using System.Buffers.Binary;
using Striper.Actors.Buffers;
using Striper.Actors.Runtime;
using Striper.Actors.Striping;
using Striper.Actors.Wire;

namespace Striper.Actors.Legs;

/// <summary>
/// Inbound side of a substream leg: parses frames and routes them. DATA and FIN go to the Reassembler, ACKs to
/// the Striper, RST to the session. A header is validated completely before its payload is allocated.
/// <para>
/// Credit bounds what a well-behaved peer can send, but not what a hostile one can make us queue: duplicate DATA
/// below the credit limit, or ACKs and FINs repeated without end, are all legal frames, and parsing them is cheaper
/// than handling them, so an unpaced leg would grow its receivers' mailboxes for as long as the flood lasts. So the
/// leg counts the frames it has told but its receivers have not yet taken (each receiver calls <see cref="Grant"/>
/// once per frame, with its payload length) and stops reading, leaving TCP to push back, while that exceeds
/// <see cref="OutstandingLimit"/>. A legitimate leg only pauses when its receivers are the bottleneck anyway.
/// </para>
/// </summary>
internal sealed class SubstreamInbound : IFrameInbound, IReadCredit
{
    /// <summary>What a frame costs besides its payload (message, lease, mailbox slot), so floods of tiny frames count.</summary>
    internal const int FrameCost = 256;

    private readonly int _slot;
    private readonly IActorRef _striper;
    private readonly IActorRef _reassembler;
    private readonly IActorRef _session;
    private readonly int _maxPayload;
    private readonly Lock _gate = new();
    private long _outstanding;
    private TaskCompletionSource? _waiter;

    public SubstreamInbound(int slot, IActorRef striper, IActorRef reassembler, IActorRef session, int maxPayload)
    {
        _slot = slot;
        _striper = striper;
        _reassembler = reassembler;
        _session = session;
        _maxPayload = maxPayload;
        OutstandingLimit = Math.Max(4L * maxPayload, 1 << 20);
    }

    /// <summary>Frame bytes (payload plus <see cref="FrameCost"/> each) told but not yet taken, above which reading pauses.</summary>
    internal long OutstandingLimit { get; }

    internal long Outstanding => Volatile.Read(ref _outstanding);

    public bool IsBlocked => Outstanding >= OutstandingLimit;

    /// <summary>A receiver took one frame that carried <paramref name="bytes"/> of payload.</summary>
    public void Grant(long bytes)
    {
        if (Interlocked.Add(ref _outstanding, -(bytes + FrameCost)) >= OutstandingLimit)
        {
            return;
        }

        TaskCompletionSource? waiter;
        lock (_gate)
        {
            waiter = _waiter;
            _waiter = null;
        }

        waiter?.TrySetResult();
    }

    public ValueTask WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        lock (_gate)
        {
            // Checked under the lock: a Grant that lowers the count first takes the lock after it, and so sees this waiter.
            if (!IsBlocked)
            {
                return ValueTask.CompletedTask;
            }

            waiter = _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        return new ValueTask(waiter.Task.WaitAsync(cancellationToken));
    }

    public string? Process(ref ReadOnlySequence<byte> buffer)
    {
        Span<byte> headerBytes = stackalloc byte[ProtocolConstants.FrameHeaderSize];
        while (buffer.Length >= ProtocolConstants.FrameHeaderSize && !IsBlocked)
        {
            buffer.Slice(0, ProtocolConstants.FrameHeaderSize).CopyTo(headerBytes);
            var parse = FrameHeader.TryRead(headerBytes, _maxPayload, out var header, out var error);
            if (parse == FrameParseResult.Malformed)
            {
                return error;
            }

            if (buffer.Length < ProtocolConstants.FrameHeaderSize + header.Length)
            {
                break;
            }

            var payload = buffer.Slice(ProtocolConstants.FrameHeaderSize, header.Length);
            Dispatch(header, payload);
            buffer = buffer.Slice(payload.End);
        }

        return null;
    }

    public void Completed(Exception? error, long leftoverBytes)
    {
        var reason = error?.Message ?? (leftoverBytes > 0 ? $"connection closed inside a frame ({leftoverBytes} bytes pending)" : null);
        var ended = new StriperProtocol.SubstreamEnded(_slot, reason);
        _striper.Tell(ended);
        _reassembler.Tell(ended);
    }

    private void Dispatch(FrameHeader header, ReadOnlySequence<byte> payload)
    {
        switch (header.Type)
        {
            case FrameType.Data:
                var lease = BufferLease.Rent(header.Length);
                payload.CopyTo(lease.WritableSpan);
                Interlocked.Add(ref _outstanding, header.Length + FrameCost);
                _reassembler.Tell(new StriperProtocol.DataReceived(_slot, header.Offset, header.Stamp, lease, this));
                break;
            case FrameType.Ack:
                Span<byte> ack = stackalloc byte[ProtocolConstants.AckPayloadSize];
                payload.CopyTo(ack);
                Interlocked.Add(ref _outstanding, header.Length + FrameCost);
                _striper.Tell(new StriperProtocol.AckReceived(_slot, header.Offset, header.Stamp, header.Flags, AckPayload.Read(ack), this));
                break;
            case FrameType.Fin:
                Interlocked.Add(ref _outstanding, FrameCost);
                _reassembler.Tell(new StriperProtocol.FinReceived(_slot, header.Offset, this));
                break;
            case FrameType.Rst:
                Span<byte> reason = stackalloc byte[ProtocolConstants.RstPayloadSize];
                payload.CopyTo(reason);
                _session.Tell(new StriperProtocol.RstReceived(_slot, (SessionAbortReason)BinaryPrimitives.ReadInt32BigEndian(reason)));
                break;
        }
    }
}
