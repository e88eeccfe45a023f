using System.Text;
using System.Text.RegularExpressions;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace Striper.Actors.Settings;

/// <summary>
/// Reads configuration text with Akka's HOCON (<see cref="ConfigurationFactory"/>), so one file can set Striper's
/// settings and tune Akka. Whatever goes wrong comes out as one <see cref="ConfigException"/> naming the file, and
/// the line wherever it is known: Akka's parser gives a character position for some syntax errors (turned into a
/// line here) and none for others, and its values keep no origin at all.
/// </summary>
public static partial class ConfigText
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <param name="source">Names the text in error messages, usually the file name.</param>
    /// <param name="environment">Looks up the variables of <c>${?NAME}</c>; the process environment by default.</param>
    /// <exception cref="ConfigException">The text is not valid, or a substitution cannot be resolved.</exception>
    public static Config Parse(string text, string source, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(source);
        var prepared = ConfigTextCheck.Prepare(text, source, environment ?? Environment.GetEnvironmentVariable);
        Config config;
        try
        {
            config = ConfigurationFactory.ParseString(prepared, NoIncludes);
        }
        catch (ConfigException ex)
        {
            throw ex.In(source);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Akka's parser throws what it meets (FormatException, ConfigurationException, even a bare Exception);
            // for the user they are all one thing: the file is not HOCON Akka can read.
            throw new ConfigException(Describe(ex, prepared, source), [], ex);
        }

        if (config.Root is { } root)
        {
            CheckResolvable(root, source);
        }

        return config;
    }

    /// <exception cref="ConfigException">The file is missing, unreadable or not valid HOCON.</exception>
    public static Config ParseFile(string path, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            throw new ConfigException($"config file {path} is a directory, not a file");
        }

        if (!File.Exists(path))
        {
            throw new ConfigException($"config file not found: {path}");
        }

        string text;
        try
        {
            text = File.ReadAllText(path, StrictUtf8);
        }
        catch (DecoderFallbackException ex)
        {
            throw new ConfigException($"{path}: not a text file (it is not valid UTF-8)", ex);
        }
        catch (IOException ex)
        {
            throw new ConfigException($"could not read config file {path}: {ex.Message}", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new ConfigException($"could not read config file {path}: {ex.Message}", ex);
        }

        return Parse(text, path, environment);
    }

    /// <summary>Without a callback Akka dereferences null on <c>include</c>; one file is all Striper reads.</summary>
    private static HoconRoot NoIncludes(string name) =>
        throw new ConfigException($"include \"{name}\" is not supported: put the settings in the one file");

    /// <summary>"file:line: what Akka said", the line worked out from the position Akka gives when it gives one.</summary>
    private static string Describe(Exception ex, string text, string source)
    {
        var message = ex.Message.Split('\n')[0].Trim().TrimEnd(':');
        var position = PositionInMessage().Match(message);
        if (position.Success && int.TryParse(position.Groups[1].ValueSpan, out var index))
        {
            return FormattableString.Invariant($"{source}:{LineAt(text, index)}: {message.Remove(position.Index, position.Length)}");
        }

        // Akka names an unresolved substitution's path but not where it is; the first place it is written is.
        var unresolved = UnresolvedInMessage().Match(message);
        if (unresolved.Success && text.IndexOf("${" + unresolved.Groups[1].Value + "}", StringComparison.Ordinal) is var at and >= 0)
        {
            return FormattableString.Invariant($"{source}:{LineAt(text, at)}: unresolved substitution ${{{unresolved.Groups[1].Value}}}: no setting of that name in this file");
        }

        return $"{source}: {message}";
    }

    private static int LineAt(string text, int index) => 1 + text.AsSpan(0, Math.Clamp(index, 0, text.Length)).Count('\n');

    /// <summary>
    /// Akka resolves substitutions when the text is parsed but does not check the result: an unresolved one fails
    /// later with a null argument, and one that refers to itself overflows the stack (which no catch survives) on
    /// the first read. So every value is walked once here, without recursion, before anything reads it.
    /// </summary>
    private static void CheckResolvable(HoconValue root, string source)
    {
        var done = new HashSet<HoconValue>(ReferenceEqualityComparer.Instance);
        var onPath = new HashSet<HoconValue>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<(HoconValue Value, string Path, bool Leaving)>();
        pending.Push((root, string.Empty, false));
        while (pending.TryPop(out var item))
        {
            var (value, path, leaving) = item;
            if (leaving)
            {
                onPath.Remove(value);
                done.Add(value);
                continue;
            }

            if (done.Contains(value))
            {
                continue;
            }

            if (!onPath.Add(value))
            {
                throw new ConfigException($"{source}: {path} refers to itself through a substitution", [path]);
            }

            pending.Push((value, path, true));
            foreach (var element in value.Values)
            {
                switch (element)
                {
                    case HoconObject child:
                        foreach (var (key, field) in child.Items)
                        {
                            pending.Push((field, path.Length == 0 ? key : $"{path}.{key}", false));
                        }

                        break;
                    case HoconArray list:
                        foreach (var entry in list)
                        {
                            pending.Push((entry, path, false));
                        }

                        break;
                    case HoconSubstitution { ResolvedValue: null } substitution:
                        throw new ConfigException($"{source}: {path}: the substitution ${{{substitution.Path}}} names no setting in the file", [path]);
                    case HoconSubstitution substitution:
                        pending.Push((substitution.ResolvedValue, path, false));
                        break;
                }
            }
        }
    }

    [GeneratedRegex(@"^Unresolved substitution: ?(\S+)$")]
    private static partial Regex UnresolvedInMessage();

    [GeneratedRegex(@" ?at position (\d+)")]
    private static partial Regex PositionInMessage();
}
