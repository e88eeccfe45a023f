using System.Buffers;
using System.Buffers.Binary;
using Akka.Actor;
using Striper.Actors.Buffers;
using Striper.Actors.Security;
using Striper.Actors.Striping;
using Striper.Actors.Wire;

namespace Striper.Actors.Legs;

/// <summary>
/// Inbound side of a substream leg: parses frames and routes them. DATA and FIN go to the Reassembler, ACKs to
/// the Striper, RST to the session. A header is validated completely before its payload is allocated. On an
/// encrypted substream each frame carries a tag after its payload and is opened (checked and decrypted) before
/// anything is routed: a frame that fails is never delivered, and the substream is closed.
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
    private readonly FrameOpener? _opener;
    private readonly int _tagSize;
    private readonly ReadBudget _room;
    private readonly int? _announceIndex;

    /// <param name="announceIndex">The substream index to announce to the Striper and the Reassembler when the leg
    /// starts (see <see cref="Started"/>); null when the caller attaches the slot itself (tests).</param>
    public SubstreamInbound(int slot, IActorRef striper, IActorRef reassembler, IActorRef session, int maxPayload, FrameOpener? opener = null, int? announceIndex = null)
    {
        _slot = slot;
        _announceIndex = announceIndex;
        _striper = striper;
        _reassembler = reassembler;
        _session = session;
        _maxPayload = maxPayload;
        _opener = opener;
        _tagSize = opener is null ? 0 : ProtocolConstants.FrameTagSize;
        OutstandingLimit = Math.Max(4L * maxPayload, 1 << 20);
        _room = new ReadBudget(OutstandingLimit);
    }

    /// <summary>Frame bytes (payload plus <see cref="FrameCost"/> each) told but not yet taken, above which reading pauses.</summary>
    internal long OutstandingLimit { get; }

    internal long Outstanding => OutstandingLimit - _room.Available;

    public bool IsBlocked => _room.Available <= 0;

    public void Started(IActorRef leg)
    {
        if (_announceIndex is { } index)
        {
            var attached = new StriperProtocol.SubstreamAttached(_slot, index, leg);
            _striper.Tell(attached);
            _reassembler.Tell(attached);
        }
    }

    /// <summary>A receiver took one frame that carried <paramref name="bytes"/> of payload.</summary>
    public void Grant(long bytes) => _room.Return(bytes + FrameCost);

    public ValueTask WaitUntilReadyAsync(CancellationToken cancellationToken) => _room.WaitAsync(cancellationToken);

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

            if (buffer.Length < ProtocolConstants.FrameHeaderSize + header.Length + _tagSize)
            {
                break;
            }

            var payload = buffer.Slice(ProtocolConstants.FrameHeaderSize, header.Length);
            var next = buffer.GetPosition(ProtocolConstants.FrameHeaderSize + header.Length + _tagSize);
            error = _opener is null ? Dispatch(header, payload) : OpenAndDispatch(headerBytes, header, buffer.Slice(payload.End, _tagSize), payload);
            if (error is not null)
            {
                return error;
            }

            buffer = buffer.Slice(next);
        }

        return null;
    }

    public void Completed(Exception? error, long leftoverBytes)
    {
        _opener?.Dispose();
        var reason = error?.Message ?? (leftoverBytes > 0 ? $"connection closed inside a frame ({leftoverBytes} bytes pending)" : null);
        var ended = new StriperProtocol.SubstreamEnded(_slot, reason);
        _striper.Tell(ended);
        _reassembler.Tell(ended);
    }

    private string? OpenAndDispatch(ReadOnlySpan<byte> headerBytes, FrameHeader header, ReadOnlySequence<byte> tagBytes, ReadOnlySequence<byte> payload)
    {
        Span<byte> tag = stackalloc byte[ProtocolConstants.FrameTagSize];
        tagBytes.CopyTo(tag);
        if (header.Type == FrameType.Data)
        {
            // Decrypt straight from the receive buffer when the payload is contiguous, else in place in the lease.
            var lease = BufferLease.Rent(header.Length);
            bool opened;
            if (payload.IsSingleSegment)
            {
                opened = _opener!.TryOpen(headerBytes, payload.FirstSpan, tag, lease.WritableSpan);
            }
            else
            {
                payload.CopyTo(lease.WritableSpan);
                opened = _opener!.TryOpen(headerBytes, lease.WritableSpan, tag, lease.WritableSpan);
            }

            if (!opened)
            {
                lease.Dispose();
                return Forged(header);
            }

            DeliverData(header, lease);
            return null;
        }

        // ACK, FIN and RST payloads are at most 16 bytes.
        Span<byte> small = stackalloc byte[ProtocolConstants.AckPayloadSize];
        var plain = small[..header.Length];
        payload.CopyTo(plain);
        if (!_opener!.TryOpen(headerBytes, plain, tag, plain))
        {
            return Forged(header);
        }

        DispatchControl(header, plain);
        return null;
    }

    private static string Forged(FrameHeader header) =>
        $"{header.Type} frame failed authentication (forged, corrupted, replayed or out of order)";

    private string? Dispatch(FrameHeader header, ReadOnlySequence<byte> payload)
    {
        if (header.Type == FrameType.Data)
        {
            var lease = BufferLease.Rent(header.Length);
            payload.CopyTo(lease.WritableSpan);
            DeliverData(header, lease);
            return null;
        }

        Span<byte> small = stackalloc byte[ProtocolConstants.AckPayloadSize];
        var plain = small[..header.Length];
        payload.CopyTo(plain);
        DispatchControl(header, plain);
        return null;
    }

    private void DeliverData(FrameHeader header, BufferLease lease)
    {
        _room.Spend(header.Length + FrameCost);
        _reassembler.Tell(new StriperProtocol.DataReceived(_slot, header.Offset, header.Stamp, lease, this));
    }

    /// <summary>ACK, FIN and RST: payloads of at most 16 bytes, already checked and (if sealed) opened.</summary>
    private void DispatchControl(FrameHeader header, ReadOnlySpan<byte> payload)
    {
        switch (header.Type)
        {
            case FrameType.Ack:
                _room.Spend(header.Length + FrameCost);
                _striper.Tell(new StriperProtocol.AckReceived(_slot, header.Offset, header.Stamp, header.Flags, AckPayload.Read(payload), this));
                break;
            case FrameType.Fin:
                _room.Spend(FrameCost);
                _reassembler.Tell(new StriperProtocol.FinReceived(_slot, header.Offset, this));
                break;
            case FrameType.Rst:
                _session.Tell(new StriperProtocol.RstReceived(_slot, (SessionAbortReason)BinaryPrimitives.ReadInt32BigEndian(payload)));
                break;
        }
    }
}
