namespace Striper.Actors.Msp;

/// <summary>
/// Delivery-rate samples as in draft-cheng-iccrg-delivery-rate-estimation (what Linux's tcp_rate.c and BBR use):
/// every transmission records how much had been delivered, and when, at the moment it left
/// (<see cref="MspSegment.DeliveredAtSend"/> and friends); when it is acknowledged, the data delivered since then
/// divided by the longer of the send and the ack intervals is one sample of the path's delivery rate. Taking the
/// longer interval keeps ack compression (acks bunched by the receiver's coalescing) from inflating a sample. Samples
/// taken while the sender had too little to send are flagged <c>AppLimited</c>: they show the application's rate, not
/// the path's. Sender-side only: nothing of this goes on the wire.
/// </summary>
internal sealed class MspDeliveryRate
{
    private long _delivered;
    private long _deliveredTime;
    private long _firstSentTime;
    private long _appLimitedUntil;

    // The sample being built from one ack: the most recently sent of the packets it delivered.
    private bool _hasSample;
    private long _priorDelivered;
    private long _sampleSentAt;
    private long _sendElapsed;
    private long _ackElapsed;
    private bool _sampleAppLimited;

    /// <summary>Packets delivered over the stream's life.</summary>
    public long Delivered => _delivered;

    /// <summary>Stamps a transmission. <paramref name="inFlight"/> is the pipe before it: an empty pipe starts a fresh interval.</summary>
    public void OnSent(ref MspSegment segment, long now, int inFlight)
    {
        if (inFlight == 0)
        {
            _firstSentTime = now;
            _deliveredTime = now;
        }

        segment.SentAt = now;
        segment.DeliveredAtSend = _delivered;
        segment.DeliveredTimeAtSend = _deliveredTime;
        segment.FirstSentAtSend = _firstSentTime;
        segment.AppLimitedAtSend = _appLimitedUntil != 0;
    }

    /// <summary>The sender ran out of data (or of the peer's window) with room in the congestion window.</summary>
    public void MarkAppLimited(int inFlight) => _appLimitedUntil = Math.Max(_delivered + inFlight, 1);

    public void BeginAck() => _hasSample = false;

    /// <summary>One packet delivered (acknowledged or SACKed for the first time).</summary>
    public void OnDelivered(in MspSegment segment, long now)
    {
        _delivered++;
        _deliveredTime = now;
        if (segment.SentAt == 0 || (_hasSample && segment.SentAt <= _sampleSentAt))
        {
            return;
        }

        _hasSample = true;
        _priorDelivered = segment.DeliveredAtSend;
        _sampleSentAt = segment.SentAt;
        _sampleAppLimited = segment.AppLimitedAtSend;
        _sendElapsed = segment.SentAt - segment.FirstSentAtSend;
        _ackElapsed = now - segment.DeliveredTimeAtSend;
        _firstSentTime = segment.SentAt;
    }

    /// <summary>
    /// The ack's sample: packets per second (0 if none, or if its interval is shorter than <paramref name="minRtt"/>,
    /// which only bunching can produce), whether it was app-limited, and the delivered count when its packet was sent.
    /// </summary>
    public (double Rate, bool AppLimited, long PriorDelivered) EndAck(TimeSpan minRtt, long timestampFrequency)
    {
        if (_appLimitedUntil != 0 && _delivered > _appLimitedUntil)
        {
            _appLimitedUntil = 0;
        }

        if (!_hasSample)
        {
            return (0, false, -1);
        }

        var interval = Math.Max(_sendElapsed, _ackElapsed);
        var minTicks = minRtt.TotalSeconds * timestampFrequency;
        if (interval <= 0 || interval < minTicks)
        {
            return (0, _sampleAppLimited, _priorDelivered);
        }

        return ((_delivered - _priorDelivered) * (double)timestampFrequency / interval, _sampleAppLimited, _priorDelivered);
    }
}
