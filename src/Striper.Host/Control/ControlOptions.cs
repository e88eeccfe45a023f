using System.Net;

namespace Striper.Host.Control;

/// <summary>Where a proxy's control endpoint listens and the token requests must carry (null: none needed).</summary>
/// <param name="IsDefault">The role's default address ("auto"): if it is taken, the proxy runs without the endpoint.</param>
internal sealed record ControlOptions(IPEndPoint Listen, bool IsDefault, string? Token);
