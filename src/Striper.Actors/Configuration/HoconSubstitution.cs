namespace Striper.Actors.Configuration;

/// <summary>
/// <c>${path}</c> or <c>${?path}</c> as written. Resolved after parsing against the whole document, then
/// the environment.
/// </summary>
internal sealed class HoconSubstitution : HoconValue
{
    public HoconSubstitution(IReadOnlyList<string> path, bool isOptional, HoconOrigin origin)
        : base(origin)
    {
        Path = path;
        IsOptional = isOptional;
    }

    public IReadOnlyList<string> Path { get; }

    public bool IsOptional { get; }

    /// <summary>
    /// The value this assignment replaced. An optional substitution that finds nothing leaves it in place, and a
    /// substitution of its own key (<c>a = ${?a}</c>) reads it, as HOCON does.
    /// </summary>
    public HoconValue? Previous { get; set; }

    /// <summary>The path of the key being assigned, when known (not inside lists).</summary>
    public IReadOnlyList<string>? OwnerPath { get; set; }

    public override string ToString() => $"${{{(IsOptional ? "?" : "")}{HoconPath.Render(Path)}}}";
}
