using System.Diagnostics;
using System.Security.Cryptography;
using Akka.Actor;
using Striper.Actors.Msp;
using static Striper.Actors.Msp.MspProtocol;

namespace Striper.Tests.Msp;

/// <summary>
/// Owner of one MSP stream in transfer tests: sends its messages within the announced send limit, then shuts down;
/// checks every received message against the expected one (content and boundaries) and hashes both directions.
/// Reports a <see cref="PeerReport"/> to the probe when the stream is closed.
/// </summary>
internal sealed class TransferPeer : ReceiveActor
{
    private const int ConsumeBatch = 16;

    private readonly string _name;
    private readonly IActorRef _probe;
    private readonly int _sendCount;
    private readonly bool _sendAfterRemoteShutdown;
    private readonly MessageSource _outgoing;
    private readonly MessageSource _expected;
    private readonly IncrementalHash _sentHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly IncrementalHash _receivedHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly List<string> _errors = [];
    private IActorRef? _stream;
    private long _limit;
    private int _sent;
    private bool _shutdownSent;
    private bool _remoteDone;
    private long _received;
    private long _receivedBytes;
    private long _receiveCompletedAt;
    private int _unconsumed;

    public TransferPeer(string name, IActorRef probe, int sendCount, int sendSeed, int expectSeed, int maxSize, bool sendAfterRemoteShutdown)
    {
        _name = name;
        _probe = probe;
        _sendCount = sendCount;
        _sendAfterRemoteShutdown = sendAfterRemoteShutdown;
        _outgoing = new MessageSource(sendSeed, maxSize);
        _expected = new MessageSource(expectSeed, maxSize);
        Receive<Accepted>(m =>
        {
            _stream = m.Stream;
            Feed();
        });
        Receive<Connected>(m =>
        {
            _stream = m.Stream;
            Feed();
        });
        Receive<StateChanged>(OnStateChanged);
        Receive<Received>(OnReceived);
        Receive<SendRejected>(m => _errors.Add("rejected: " + m.Reason));
    }

    public static Props Props(string name, IActorRef probe, int sendCount, int sendSeed, int expectSeed, int maxSize, bool sendAfterRemoteShutdown = false) =>
        Akka.Actor.Props.Create(() => new TransferPeer(name, probe, sendCount, sendSeed, expectSeed, maxSize, sendAfterRemoteShutdown));

    protected override void PostStop()
    {
        _sentHash.Dispose();
        _receivedHash.Dispose();
    }

    private void OnStateChanged(StateChanged message)
    {
        _stream ??= Sender;
        _limit = Math.Max(_limit, message.SendLimit);
        if ((message.State & MspState.ShutdownRemote) != 0 && !_remoteDone)
        {
            _remoteDone = true;
            _receiveCompletedAt = Stopwatch.GetTimestamp();
        }

        if ((message.State & MspState.Closed) != 0)
        {
            _probe.Tell(new PeerReport(
                _name,
                _sent,
                Convert.ToHexString(_sentHash.GetHashAndReset()),
                _received,
                _receivedBytes,
                Convert.ToHexString(_receivedHash.GetHashAndReset()),
                _receiveCompletedAt,
                message.State,
                message.Reason,
                _errors));
            return;
        }

        Feed();
    }

    private void OnReceived(Received message)
    {
        var expected = _expected.Next();
        if (_errors.Count < 10 && !message.Payload.Span.SequenceEqual(expected))
        {
            _errors.Add($"message {_received}: got {message.Payload.Length} bytes, expected {expected.Length} bytes (or different content)");
        }

        _receivedHash.AppendData(message.Payload.Span);
        _received++;
        _receivedBytes += message.Payload.Length;
        if (++_unconsumed >= ConsumeBatch)
        {
            Sender.Tell(new Consumed(_unconsumed));
            _unconsumed = 0;
        }
    }

    private void Feed()
    {
        if (_stream is null || (_sendAfterRemoteShutdown && !_remoteDone))
        {
            return;
        }

        while (_sent < _sendCount && _sent < _limit)
        {
            var message = _outgoing.Next();
            _sentHash.AppendData(message);
            _stream.Tell(new Send(message), Self);
            _sent++;
        }

        if (_sent == _sendCount && !_shutdownSent)
        {
            _shutdownSent = true;
            _stream.Tell(Shutdown.Instance, Self);
        }
    }
}
