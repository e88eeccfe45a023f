using System.Buffers;
using System.Buffers.Binary;
using Striper.Actors.Buffers;
using Striper.Actors.Runtime;
using Striper.Actors.Security;
using Striper.Actors.Striping;
using Striper.Actors.Wire;

namespace Striper.Actors.Legs;

/// <summary>
/// Inbound side of a substream leg: parses frames and routes them. DATA and FIN go to the Reassembler, ACKs to
/// the Striper, RST to the session. A header is validated completely before its payload is allocated. On an
/// encrypted substream each frame carries a tag after its payload and is opened (checked and decrypted) before
/// anything is routed: a frame that fails is never delivered, and the substream is closed.
/// </summary>
internal sealed class SubstreamInbound : ILegInbound
{
    private readonly int _slot;
    private readonly IActorRef _striper;
    private readonly IActorRef _reassembler;
    private readonly IActorRef _session;
    private readonly int _maxPayload;
    private readonly FrameOpener? _opener;
    private readonly int _tagSize;

    public SubstreamInbound(int slot, IActorRef striper, IActorRef reassembler, IActorRef session, int maxPayload, FrameOpener? opener = null)
    {
        _slot = slot;
        _striper = striper;
        _reassembler = reassembler;
        _session = session;
        _maxPayload = maxPayload;
        _opener = opener;
        _tagSize = opener is null ? 0 : ProtocolConstants.FrameTagSize;
    }

    public bool IsBlocked => false;

    public ValueTask WaitUntilReadyAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public string? Process(ref ReadOnlySequence<byte> buffer)
    {
        Span<byte> headerBytes = stackalloc byte[ProtocolConstants.FrameHeaderSize];
        while (buffer.Length >= ProtocolConstants.FrameHeaderSize)
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

            _reassembler.Tell(new StriperProtocol.DataReceived(_slot, header.Offset, header.Stamp, lease));
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
            _reassembler.Tell(new StriperProtocol.DataReceived(_slot, header.Offset, header.Stamp, lease));
            return null;
        }

        Span<byte> small = stackalloc byte[ProtocolConstants.AckPayloadSize];
        var plain = small[..header.Length];
        payload.CopyTo(plain);
        DispatchControl(header, plain);
        return null;
    }

    /// <summary>ACK, FIN and RST: payloads of at most 16 bytes, already checked and (if sealed) opened.</summary>
    private void DispatchControl(FrameHeader header, ReadOnlySpan<byte> payload)
    {
        switch (header.Type)
        {
            case FrameType.Ack:
                _striper.Tell(new StriperProtocol.AckReceived(_slot, header.Offset, header.Stamp, header.Flags, AckPayload.Read(payload)));
                break;
            case FrameType.Fin:
                _reassembler.Tell(new StriperProtocol.FinReceived(_slot, header.Offset));
                break;
            case FrameType.Rst:
                _session.Tell(new StriperProtocol.RstReceived(_slot, (SessionAbortReason)BinaryPrimitives.ReadInt32BigEndian(payload)));
                break;
        }
    }
}
