using System.Net;

namespace Striper.Actors.Mdp;

/// <summary>
/// Datagrams received in one burst from one socket, for one hop (or, with senders, for the node). The buffer is
/// allocated per burst, exactly as big as the burst and not zeroed, and never pooled: delivered payloads are slices
/// of it that MSP keeps until its owner consumes them, so the garbage collector frees it when the last slice is gone.
/// One allocation per burst, none per datagram.
/// </summary>
internal sealed class MdpBatch
{
    public const int MaxDatagrams = 31;

    public MdpBatch(byte[] buffer, bool withSenders)
    {
        Buffer = buffer;
        Senders = withSenders ? new SocketAddress[MaxDatagrams] : null;
    }

    /// <summary>The burst's bytes; the receive loop swaps its scratch buffer for the burst's own copy before sending.</summary>
    public byte[] Buffer { get; set; }

    /// <summary>The socket the datagrams came in on (set for the node's share, which may hold hellos to answer).</summary>
    public System.Net.Sockets.Socket? Socket { get; init; }

    public int Count { get; private set; }

    public int[] Offsets { get; } = new int[MaxDatagrams];

    public int[] Lengths { get; } = new int[MaxDatagrams];

    public SocketAddress[]? Senders { get; }

    public void Add(int offset, int length, SocketAddress? sender)
    {
        Offsets[Count] = offset;
        Lengths[Count] = length;
        if (Senders is not null && sender is not null)
        {
            var copy = new SocketAddress(sender.Family, sender.Size);
            sender.Buffer.Span[..sender.Size].CopyTo(copy.Buffer.Span);
            Senders[Count] = copy;
        }

        Count++;
    }

    public ReadOnlyMemory<byte> Datagram(int i) => Buffer.AsMemory(Offsets[i], Lengths[i]);

    public override string ToString() => $"MdpBatch({Count} datagrams)";
}
