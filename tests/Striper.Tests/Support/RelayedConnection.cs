using System.Net.Sockets;

namespace Striper.Tests.Support;

/// <summary>One connection through the <see cref="ChaosRelay"/>, with the faults applied to it.</summary>
internal sealed class RelayedConnection(Socket client, Socket server)
{
    private volatile bool _stalled;
    private volatile bool _closed;

    /// <summary>The substream index from the handshake, or -1 until read (or if it was not a handshake).</summary>
    public int Index { get; set; } = -1;

    public bool Stalled
    {
        get => _stalled;
        set => _stalled = value;
    }

    public bool Closed
    {
        get => _closed;
        set => _closed = value;
    }

    /// <summary>TCP RST to both proxies.</summary>
    public void Reset()
    {
        _closed = true;
        foreach (var socket in new[] { client, server })
        {
            try
            {
                socket.LingerState = new LingerOption(true, 0);
                socket.Close();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}
