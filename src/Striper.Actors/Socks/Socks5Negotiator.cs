using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Striper.Actors.Proxy;

namespace Striper.Actors.Socks;

/// <summary>
/// The SOCKS5 server side of a client proxy (RFC 1928, with RFC 1929 username/password): greeting, method choice,
/// authentication, then a CONNECT request for an IPv4, IPv6 or domain-name target. Everything is read under one
/// deadline; every length is checked before it is read, so a client can make it hold at most a few hundred bytes.
/// A client that breaks the protocol gets the reply the RFC has for it, where there is one, and a <see cref="Socks5Exception"/>
/// naming what was wrong; the caller closes the connection. The reply to a valid CONNECT is the caller's, once the
/// server proxy has answered (<see cref="Reply"/>).
/// </summary>
internal static class Socks5Negotiator
{
    private const byte Version = 5;
    private const byte AuthVersion = 1;
    private const byte NoAuthentication = 0x00;
    private const byte UsernamePassword = 0x02;
    private const byte NoAcceptableMethod = 0xFF;
    private const byte Connect = 0x01;

    public static async Task<HostPort> NegotiateAsync(Socket socket, Socks5Users? users, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            return await RunAsync(socket, users, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new Socks5Exception($"the SOCKS handshake did not complete within {timeout.TotalSeconds:0.#}s");
        }
    }

    /// <summary>A reply to a CONNECT. BND.ADDR and BND.PORT are 0.0.0.0:0: what the server proxy bound is on another machine.</summary>
    public static byte[] Reply(Socks5ReplyCode code) => [Version, (byte)code, 0, 1, 0, 0, 0, 0, 0, 0];

    private static async Task WriteReplyAsync(Socket socket, Socks5ReplyCode code, CancellationToken cancellationToken) =>
        await socket.SendAsync(Reply(code), SocketFlags.None, cancellationToken).ConfigureAwait(false);

    private static async Task<HostPort> RunAsync(Socket socket, Socks5Users? users, CancellationToken token)
    {
        var buffer = new byte[256];
        await ReadAsync(socket, buffer.AsMemory(0, 2), token);
        if (buffer[0] != Version)
        {
            throw new Socks5Exception($"not a SOCKS5 greeting (version byte 0x{buffer[0]:x2})");
        }

        var methodCount = buffer[1];
        if (methodCount == 0)
        {
            throw new Socks5Exception("the SOCKS greeting offers no authentication method");
        }

        await ReadAsync(socket, buffer.AsMemory(0, methodCount), token);
        var wanted = users is null ? NoAuthentication : UsernamePassword;
        if (Array.IndexOf(buffer, wanted, 0, methodCount) < 0)
        {
            await socket.SendAsync(new byte[] { Version, NoAcceptableMethod }, SocketFlags.None, token);
            throw new Socks5Exception(users is null
                ? "the SOCKS client offers no method this proxy takes (it takes no authentication)"
                : "the SOCKS client offers no username/password authentication, which this proxy requires");
        }

        await socket.SendAsync(new byte[] { Version, wanted }, SocketFlags.None, token);
        if (users is not null)
        {
            await AuthenticateAsync(socket, users, buffer, token);
        }

        return await ReadConnectAsync(socket, buffer, token);
    }

    private static async Task AuthenticateAsync(Socket socket, Socks5Users users, byte[] buffer, CancellationToken token)
    {
        await ReadAsync(socket, buffer.AsMemory(0, 2), token);
        if (buffer[0] != AuthVersion || buffer[1] == 0)
        {
            throw new Socks5Exception($"bad SOCKS username/password request (version 0x{buffer[0]:x2}, username length {buffer[1]})");
        }

        int userLength = buffer[1];
        await ReadAsync(socket, buffer.AsMemory(0, userLength + 1), token);
        var user = Encoding.UTF8.GetString(buffer, 0, userLength);
        int passwordLength = buffer[userLength];
        var password = new byte[passwordLength];
        await ReadAsync(socket, password, token);
        var accepted = users.Accepts(user, password);
        await socket.SendAsync(new byte[] { AuthVersion, accepted ? (byte)0 : (byte)1 }, SocketFlags.None, token);
        if (!accepted)
        {
            throw new Socks5Exception("SOCKS authentication failed: unknown user or wrong password");
        }
    }

    private static async Task<HostPort> ReadConnectAsync(Socket socket, byte[] buffer, CancellationToken token)
    {
        await ReadAsync(socket, buffer.AsMemory(0, 4), token);
        if (buffer[0] != Version || buffer[2] != 0)
        {
            throw new Socks5Exception($"malformed SOCKS request (version 0x{buffer[0]:x2}, reserved 0x{buffer[2]:x2})");
        }

        var command = buffer[1];
        var addressType = buffer[3];
        string host;
        switch (addressType)
        {
            case 1:
                await ReadAsync(socket, buffer.AsMemory(0, 4), token);
                host = new IPAddress(buffer.AsSpan(0, 4)).ToString();
                break;
            case 4:
                await ReadAsync(socket, buffer.AsMemory(0, 16), token);
                host = new IPAddress(buffer.AsSpan(0, 16)).ToString();
                break;
            case 3:
                await ReadAsync(socket, buffer.AsMemory(0, 1), token);
                int length = buffer[0];
                if (length == 0)
                {
                    await WriteReplyAsync(socket, Socks5ReplyCode.GeneralFailure, token);
                    throw new Socks5Exception("the SOCKS request names an empty host");
                }

                await ReadAsync(socket, buffer.AsMemory(0, length), token);
                host = Encoding.ASCII.GetString(buffer, 0, length);
                if (host.Any(c => c <= ' ' || c > '~' || c is '[' or ']' or '/'))
                {
                    await WriteReplyAsync(socket, Socks5ReplyCode.GeneralFailure, token);
                    throw new Socks5Exception("the SOCKS request names a host that is not a DNS name");
                }

                break;
            default:
                await WriteReplyAsync(socket, Socks5ReplyCode.AddressTypeNotSupported, token);
                throw new Socks5Exception($"unknown SOCKS address type 0x{addressType:x2}");
        }

        await ReadAsync(socket, buffer.AsMemory(0, 2), token);
        var port = BinaryPrimitives.ReadUInt16BigEndian(buffer);
        if (command != Connect)
        {
            await WriteReplyAsync(socket, Socks5ReplyCode.CommandNotSupported, token);
            throw new Socks5Exception($"SOCKS command 0x{command:x2} is not supported (only CONNECT)");
        }

        if (port == 0)
        {
            await WriteReplyAsync(socket, Socks5ReplyCode.GeneralFailure, token);
            throw new Socks5Exception("the SOCKS request names port 0");
        }

        return new HostPort(host, port);
    }

    private static async Task ReadAsync(Socket socket, Memory<byte> buffer, CancellationToken token)
    {
        while (buffer.Length > 0)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, token).ConfigureAwait(false);
            if (read == 0)
            {
                throw new Socks5Exception("the SOCKS client closed the connection during the handshake");
            }

            buffer = buffer[read..];
        }
    }
}
