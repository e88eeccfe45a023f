using System.Net.Sockets;
using System.Security.Cryptography;

namespace Striper.Host.Demo;

/// <summary>Sends or receives a byte stream over a socket while hashing it (SHA-256) and counting progress.</summary>
internal sealed class StreamPump
{
    private const int BlockSize = 256 * 1024;
    private long _bytes;

    public long Bytes => Volatile.Read(ref _bytes);

    public async Task<byte[]> SendAsync(Socket socket, DataPattern pattern, long size, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long offset = 0;
        while (offset < size)
        {
            var block = pattern.Slice(offset, (int)Math.Min(BlockSize, size - offset));
            hash.AppendData(block.Span);
            await socket.SendAsync(block, SocketFlags.None, cancellationToken);
            offset += block.Length;
            Volatile.Write(ref _bytes, offset);
        }

        socket.Shutdown(SocketShutdown.Send);
        return hash.GetHashAndReset();
    }

    public async Task<byte[]> ReceiveAsync(Socket socket, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[BlockSize];
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                return hash.GetHashAndReset();
            }

            hash.AppendData(buffer, 0, read);
            Interlocked.Add(ref _bytes, read);
        }
    }
}
