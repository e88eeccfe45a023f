namespace Striper.Host.Control;

/// <summary>A proxy's ask for a control endpoint: --control's value if given (else striper.control.listen), and its role.</summary>
/// <param name="AnyPortIfTaken">The demo: with "auto" and the role's port taken, any free loopback port will do (it prints the address).</param>
internal sealed record ControlRequest(string? Flag, bool IsClient, bool AnyPortIfTaken = false);
