namespace Striper.Actors.Socks;

/// <summary>A client proxy that speaks SOCKS5 to its applications (--socks5); with <see cref="Users"/>, RFC 1929 authentication.</summary>
public sealed record SocksFront(Socks5Users? Users);
