namespace Striper.Actors.Tunnel;

/// <summary>
/// The byte-stream side of a tunnel: a TCP connection, or standard input and output. Reads and writes may block a
/// thread-pool thread (standard streams do); the bridge calls them from its own tasks, never from an actor handler.
/// </summary>
internal interface IByteDuplex : IDisposable
{
    /// <summary>Reads some bytes; 0 at end of input.</summary>
    ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken);

    ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken);

    Task FlushAsync(CancellationToken cancellationToken);

    /// <summary>No more output (half-close: FIN on a socket, end of file on standard output).</summary>
    void ShutdownOutput();

    /// <summary>The tunnel failed: reset the connection rather than close it cleanly.</summary>
    void Abort();
}
