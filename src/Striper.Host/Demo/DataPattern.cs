namespace Striper.Host.Demo;

/// <summary>
/// Test data without a data generator on the hot path: random bytes repeated with a prime period
/// (1,048,573). Chunks move in multiples of 1 KiB, so a misplaced chunk can only hide if it moved by a
/// multiple of the period times 1024 (about a gigabyte): every reordering the proxy could make changes the bytes.
/// </summary>
internal sealed class DataPattern
{
    public const int Period = 1_048_573;

    private readonly byte[] _bytes;

    public DataPattern(int seed)
    {
        // Two periods back to back, so any window of up to one period is a single contiguous slice.
        _bytes = new byte[2 * Period];
        new Random(seed).NextBytes(_bytes.AsSpan(0, Period));
        _bytes.AsSpan(0, Period).CopyTo(_bytes.AsSpan(Period));
    }

    /// <summary>The bytes at stream offset <paramref name="offset"/>, at most <paramref name="maxLength"/> (and at most one period).</summary>
    public ReadOnlyMemory<byte> Slice(long offset, int maxLength) =>
        _bytes.AsMemory((int)(offset % Period), Math.Min(maxLength, Period));
}
