using System.Net.Sockets;
using System.Security.Cryptography;

namespace Striper.Tests.Support;

/// <summary>Deterministic bytes and socket helpers that hash what they move.</summary>
public static class TestData
{
    public static byte[] Random(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>
    /// Sends <paramref name="size"/> pseudo-random bytes (seeded), then half-closes; returns their SHA-256. Always
    /// returns to the caller at once: while the peer keeps up, every send completes synchronously, and a caller that
    /// started an endless send (to watch it fail) used to sit inside this loop for as long as the proxies kept pace.
    /// </summary>
    public static async Task<byte[]> SendAsync(Socket socket, long size, int seed, bool shutdown = true, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var block in Stream(size, seed))
        {
            hash.AppendData(block.Span);
            await socket.SendAsync(block, SocketFlags.None, cancellationToken);
        }

        if (shutdown)
        {
            socket.Shutdown(SocketShutdown.Send);
        }

        return hash.GetHashAndReset();
    }

    /// <summary>Reads to end of stream; returns the SHA-256 and the byte count.</summary>
    public static async Task<(byte[] Hash, long Bytes)> ReceiveAsync(Socket socket, CancellationToken cancellationToken = default)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[128 * 1024];
        long total = 0;
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                return (hash.GetHashAndReset(), total);
            }

            hash.AppendData(buffer, 0, read);
            total += read;
        }
    }

    /// <summary>The SHA-256 of what <see cref="SendAsync"/> sends for the same size and seed.</summary>
    public static byte[] Sha256(long size, int seed)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var block in Stream(size, seed))
        {
            hash.AppendData(block.Span);
        }

        return hash.GetHashAndReset();
    }

    /// <summary>
    /// A seeded pseudo-random stream in blocks of an odd size, so block edges never line up with the proxy's chunks;
    /// what <see cref="SendAsync"/> sends, for a test that must act between two blocks.
    /// The block buffer is reused: consume each block before asking for the next.
    /// </summary>
    public static IEnumerable<ReadOnlyMemory<byte>> Stream(long size, int seed)
    {
        var random = new Random(seed);
        var block = new byte[64 * 1024 + 17];
        for (long done = 0; done < size;)
        {
            var length = (int)Math.Min(block.Length, size - done);
            random.NextBytes(block.AsSpan(0, length));
            done += length;
            yield return block.AsMemory(0, length);
        }
    }
}
