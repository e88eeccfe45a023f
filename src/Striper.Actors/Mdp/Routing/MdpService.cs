namespace Striper.Actors.Mdp.Routing;

/// <summary>A named service a node offers on one of its MDP ports (<c>striper msp listen PORT --service NAME</c>).</summary>
internal readonly record struct MdpService(string Name, int Port)
{
    public const int MaxNameLength = 32;

    /// <summary>Letters, digits, '.', '_' and '-', 1 to 32 of them: a name that prints safely and fits an announcement.</summary>
    public static bool IsValidName(string name, out string? error)
    {
        if (name.Length is 0 or > MaxNameLength || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            error = $"a service name is 1 to {MaxNameLength} letters, digits, '.', '_' or '-'; got {name.Length} characters";
            return false;
        }

        error = null;
        return true;
    }
}
