namespace Striper.Tests.Msp;

/// <summary>
/// A repeatable sequence of messages of varied sizes (empty, tiny, full-size and in between) from a seed; sender and
/// receiver each run one with the same seed, so neither needs to keep what was sent.
/// </summary>
internal sealed class MessageSource
{
    private readonly Random _random;
    private readonly int _maxSize;

    public MessageSource(int seed, int maxSize)
    {
        _random = new Random(seed);
        _maxSize = maxSize;
    }

    public byte[] Next()
    {
        var pick = _random.Next(100);
        var size = pick switch
        {
            < 2 => 0,
            < 10 => _random.Next(1, 16),
            < 60 => _maxSize,
            _ => _random.Next(16, _maxSize + 1),
        };
        var message = new byte[size];
        _random.NextBytes(message);
        return message;
    }
}
