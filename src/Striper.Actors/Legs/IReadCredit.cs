namespace Striper.Actors.Legs;

/// <summary>An inbound strategy whose reading is paced by credit granted from an actor.</summary>
internal interface IReadCredit
{
    void Grant(long bytes);
}
