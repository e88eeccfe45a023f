using Akka.Actor;

namespace Striper.Actors.Tunnel;

/// <summary>Messages of the MSP tunnel actors: what they report to whoever runs them, and their notes to themselves.</summary>
internal static class TunnelProtocol
{
    /// <summary>Listener → report target: the MDP port is bound and callers can connect.</summary>
    public sealed record Listening(int Port);

    /// <summary>Listener → report target: binding failed; the listener stops.</summary>
    public sealed record ListenFailed(string Reason);

    /// <summary>Listener → report target: a caller opened a stream, now carried by <paramref name="Bridge"/>.</summary>
    public sealed record StreamAccepted(IActorRef Bridge);

    /// <summary>Bridge → report target: the tunnelled stream is over (clean: both directions ended normally).</summary>
    public sealed record BridgeFinished(IActorRef Bridge, bool Clean, string? Reason, long BytesFromPeer, long BytesToPeer);

    /// <summary>Anyone → listener: how many new flows it dropped (not starting with a SYN, or max-streams open); answered with a long.</summary>
    public sealed class GetFlowsRefused
    {
        public static readonly GetFlowsRefused Instance = new();
    }

    internal sealed record DuplexReady(IByteDuplex Duplex);

    internal sealed record DuplexFailed(string Reason);

    internal sealed record InputChunk(byte[] Buffer, int Count)
    {
        public override string ToString() => $"InputChunk({Count} bytes)";
    }

    internal sealed record InputEnded(string? Error);

    internal sealed record OutputWritten(int Messages);

    internal sealed record OutputDone(string? Error);
}
