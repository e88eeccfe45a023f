using System.Globalization;
using System.Net;
using System.Text;

namespace Striper.Tests.Support;

/// <summary>
/// A web server with one file: any GET gets <see cref="Size"/> seeded bytes (<see cref="Sha256"/>), then a close.
/// What curl fetches through the proxies, so the test can compare hashes.
/// </summary>
public sealed class HttpFileTarget : IAsyncDisposable
{
    private readonly TestTarget _target;

    public HttpFileTarget(long size, int seed, IPAddress? address = null)
    {
        Size = size;
        Sha256 = Convert.ToHexStringLower(TestData.Sha256(size, seed));
        _target = new TestTarget(
            async socket =>
            {
                using var _ = socket;
                var request = new List<byte>();
                var buffer = new byte[1024];
                while (!Encoding.ASCII.GetString([.. request]).Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var read = await socket.ReceiveAsync(buffer);
                    if (read == 0 || request.Count > 16384)
                    {
                        return;
                    }

                    request.AddRange(buffer.AsSpan(0, read));
                }

                var head = string.Create(CultureInfo.InvariantCulture, $"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n");
                await socket.SendAsync(Encoding.ASCII.GetBytes(head));
                await TestData.SendAsync(socket, size, seed);
            },
            address);
    }

    public long Size { get; }

    /// <summary>Lower-case hex, as sha256sum prints it.</summary>
    public string Sha256 { get; }

    public IPEndPoint EndPoint => _target.EndPoint;

    public int Accepted => _target.Accepted;

    public ValueTask DisposeAsync() => _target.DisposeAsync();
}
