using Striper.Actors.Msp;

namespace Striper.Tests.Msp;

/// <summary>What a <see cref="TransferPeer"/> saw, sent to its probe when its stream closed.</summary>
internal sealed record PeerReport(
    string Name,
    long MessagesSent,
    string SentHash,
    long MessagesReceived,
    long BytesReceived,
    string ReceivedHash,
    long ReceiveCompletedAt,
    MspState FinalState,
    string? Reason,
    IReadOnlyList<string> Errors)
{
    /// <summary>
    /// Peers "A" and "B" each received exactly what the other sent (SHA-256) without errors; with
    /// <paramref name="closedCleanly"/> both streams also ended in a clean close after the peer's FIN.
    /// </summary>
    public static void AssertExchanged(IReadOnlyList<PeerReport> reports, bool closedCleanly)
    {
        var a = reports.Single(r => r.Name == "A");
        var b = reports.Single(r => r.Name == "B");
        Assert.Empty(a.Errors);
        Assert.Empty(b.Errors);
        Assert.Equal(a.SentHash, b.ReceivedHash);
        Assert.Equal(b.SentHash, a.ReceivedHash);
        if (closedCleanly)
        {
            Assert.Equal(MspState.Closed | MspState.ShutdownRemote, a.FinalState);
            Assert.Equal(MspState.Closed | MspState.ShutdownRemote, b.FinalState);
        }
    }
}
