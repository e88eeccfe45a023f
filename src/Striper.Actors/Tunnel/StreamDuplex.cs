namespace Striper.Actors.Tunnel;

/// <summary>
/// Two streams as a tunnel's byte side: standard input and output for <c>striper msp listen|connect</c> without
/// <c>--forward</c>, which makes the command work like netcat. Half-close closes the output stream.
/// </summary>
internal sealed class StreamDuplex(Stream input, Stream output) : IByteDuplex
{
    private int _outputClosed;

    public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken) => input.ReadAsync(buffer, cancellationToken);

    public ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken) => output.WriteAsync(buffer, cancellationToken);

    public Task FlushAsync(CancellationToken cancellationToken) => output.FlushAsync(cancellationToken);

    public void ShutdownOutput()
    {
        if (Interlocked.Exchange(ref _outputClosed, 1) == 0)
        {
            output.Flush();
            output.Dispose();
        }
    }

    public void Abort() => ShutdownOutput();

    public void Dispose()
    {
        ShutdownOutput();
        input.Dispose();
    }
}
