namespace Striper.Host.Control;

/// <summary>A proxy's ask for a control endpoint: --control's value if given (else striper.control.listen), and its role.</summary>
internal sealed record ControlRequest(string? Flag, bool IsClient);
