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
    IReadOnlyList<string> Errors);
