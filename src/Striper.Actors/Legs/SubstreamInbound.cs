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
/// </summary>
internal sealed class SubstreamInbound : IFrameInbound
{
    private readonly int _slot;
    private readonly IActorRef _striper;
    private readonly IActorRef _reassembler;
    private readonly IActorRef _session;
    private readonly int _maxPayload;

    public SubstreamInbound(int slot, IActorRef striper, IActorRef reassembler, IActorRef session, int maxPayload)
    {
        _slot = slot;
        _striper = striper;
        _reassembler = reassembler;
        _session = session;
        _maxPayload = maxPayload;
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
                _reassembler.Tell(new StriperProtocol.DataReceived(_slot, header.Offset, header.Stamp, lease));
                break;
            case FrameType.Ack:
                Span<byte> ack = stackalloc byte[ProtocolConstants.AckPayloadSize];
                payload.CopyTo(ack);
                _striper.Tell(new StriperProtocol.AckReceived(_slot, header.Offset, header.Stamp, header.Flags, AckPayload.Read(ack)));
                break;
            case FrameType.Fin:
                _reassembler.Tell(new StriperProtocol.FinReceived(_slot, header.Offset));
                break;
            case FrameType.Rst:
                Span<byte> reason = stackalloc byte[ProtocolConstants.RstPayloadSize];
                payload.CopyTo(reason);
                _session.Tell(new StriperProtocol.RstReceived(_slot, (SessionAbortReason)BinaryPrimitives.ReadInt32BigEndian(reason)));
                break;
        }
    }
}
