namespace Striper.Actors.Configuration;

/// <summary>
/// Replaces substitutions in a parsed tree. A path is looked up in the document first, then in the environment.
/// Lookups walk raw objects without resolving them whole, so <c>bar { foo = 42, baz = ${bar.foo} }</c> is not a
/// cycle. Each raw node is resolved once and the result shared, so the output may be a DAG; depth and expanded
/// size are tracked so that a hostile document can't make later tree walks blow the stack or run forever.
/// </summary>
internal sealed class HoconResolver
{
    /// <summary>Nested resolutions (objects inside objects, substitutions leading to substitutions) allowed.</summary>
    private static readonly int MaxActiveResolutions = 400;

    private static readonly HoconValue Absent = new HoconScalar("", origin: null);

    private readonly HoconObject _root;
    private readonly Func<string, string?> _environment;
    private readonly long _maxSize;
    private readonly Dictionary<HoconValue, HoconValue> _resolved = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<HoconValue, (int Depth, long Size)> _shape = new(ReferenceEqualityComparer.Instance);
    private readonly List<HoconValue> _active = [];
    private readonly HashSet<HoconValue> _activeSet = new(ReferenceEqualityComparer.Instance);

    private HoconResolver(HoconObject root, Func<string, string?> environment, long maxSize)
    {
        _root = root;
        _environment = environment;
        _maxSize = maxSize;
    }

    /// <param name="maxSize">The most values the resolved tree may hold when shared parts are counted every time.</param>
    public static HoconObject Resolve(HoconObject root, Func<string, string?> environment, long maxSize)
    {
        var resolver = new HoconResolver(root, environment, maxSize);
        return (HoconObject)resolver.ResolveNode(root);
    }

    /// <summary>Returns the resolved value, or <see cref="Absent"/> for an optional substitution that found nothing.</summary>
    private HoconValue ResolveNode(HoconValue node)
    {
        if (node is HoconScalar or HoconObject { IsResolved: true } or HoconList { IsResolved: true })
        {
            return node;
        }

        if (_resolved.TryGetValue(node, out var done))
        {
            return done;
        }

        if (_activeSet.Contains(node))
        {
            throw Cycle(node);
        }

        if (_active.Count >= MaxActiveResolutions)
        {
            throw new HoconException(
                $"substitutions refer to each other too deeply (more than {MaxActiveResolutions} levels)", node.Origin);
        }

        _active.Add(node);
        _activeSet.Add(node);
        HoconValue result;
        try
        {
            result = node switch
            {
                HoconObject raw => ResolveObject(raw),
                HoconList raw => ResolveList(raw),
                HoconSubstitution substitution => ResolveSubstitution(substitution),
                HoconConcatenation concatenation => ResolveConcatenation(concatenation),
                _ => node,
            };
        }
        finally
        {
            _active.RemoveAt(_active.Count - 1);
            _activeSet.Remove(node);
        }

        _resolved[node] = result;
        return result;
    }

    private HoconObject ResolveObject(HoconObject raw)
    {
        var result = new HoconObject(raw.Origin, isResolved: true);
        var depth = 1;
        var size = 1L;
        foreach (var (key, value) in raw.Fields)
        {
            var resolved = ResolveNode(value);
            if (ReferenceEquals(resolved, Absent))
            {
                continue;
            }

            result.Set(key, resolved);
            var (childDepth, childSize) = ShapeOf(resolved);
            depth = Math.Max(depth, childDepth + 1);
            size += childSize;
        }

        Record(result, depth, size);
        return result;
    }

    private HoconList ResolveList(HoconList raw)
    {
        var items = new List<HoconValue>(raw.Items.Count);
        var depth = 1;
        var size = 1L;
        foreach (var item in raw.Items)
        {
            var resolved = ResolveNode(item);
            if (ReferenceEquals(resolved, Absent))
            {
                continue;
            }

            items.Add(resolved);
            var (childDepth, childSize) = ShapeOf(resolved);
            depth = Math.Max(depth, childDepth + 1);
            size += childSize;
        }

        var result = new HoconList(items, raw.Origin, isResolved: true);
        Record(result, depth, size);
        return result;
    }

    private HoconValue ResolveSubstitution(HoconSubstitution substitution)
    {
        // An optional substitution that finds nothing leaves the earlier value of its key; that value may itself be
        // an optional substitution, so walk the chain in a loop rather than by recursion.
        var current = substitution;
        while (true)
        {
            if (Lookup(current) is { } found)
            {
                return found;
            }

            if (!current.IsOptional)
            {
                throw new HoconException(
                    $"{current} is not set: there is no setting or environment variable '{string.Join('.', current.Path)}'",
                    current.Origin,
                    OwnerPathText(current));
            }

            switch (current.Previous)
            {
                case null:
                    return Absent;
                case HoconSubstitution earlier:
                    current = earlier;
                    continue;
                default:
                    return ResolveNode(current.Previous);
            }
        }
    }

    private HoconScalar ResolveConcatenation(HoconConcatenation concatenation)
    {
        var text = new System.Text.StringBuilder();
        foreach (var part in concatenation.Parts)
        {
            var resolved = ResolveNode(part);
            switch (resolved)
            {
                case HoconScalar { IsNull: true }:
                    break;
                case HoconScalar scalar:
                    text.Append(scalar.Text);
                    break;
                default:
                    throw new HoconException(
                        $"{part} is {resolved.Describe()}, which can't be joined with text; only whole values may be objects or lists",
                        part.Origin);
            }
        }

        return new HoconScalar(text.ToString(), concatenation.Origin);
    }

    /// <summary>The value a substitution refers to, from the document or the environment; null when neither has it.</summary>
    private HoconValue? Lookup(HoconSubstitution substitution)
    {
        HoconValue? found;
        if (substitution.OwnerPath is { } owner && owner.SequenceEqual(substitution.Path, StringComparer.Ordinal))
        {
            // a = ${?a}: a key referring to itself means the value it replaced (HOCON's self-reference).
            found = substitution.Previous is null ? null : Present(ResolveNode(substitution.Previous));
        }
        else
        {
            found = LookupPath(substitution.Path);
        }

        if (found is not null)
        {
            return found;
        }

        var name = string.Join('.', substitution.Path);
        var variable = _environment(name);
        return string.IsNullOrEmpty(variable)
            ? null
            : new HoconScalar(variable, substitution.Origin, environmentVariable: name);
    }

    private HoconValue? LookupPath(IReadOnlyList<string> path)
    {
        HoconValue current = _root;
        foreach (var segment in path)
        {
            if (current is HoconSubstitution or HoconConcatenation)
            {
                if (Present(ResolveNode(current)) is not { } resolved)
                {
                    return null;
                }

                current = resolved;
            }

            if (current is not HoconObject container || !container.TryGetValue(segment, out var child))
            {
                return null;
            }

            current = child;
        }

        return Present(ResolveNode(current));
    }

    private static HoconValue? Present(HoconValue value) => ReferenceEquals(value, Absent) ? null : value;

    private (int Depth, long Size) ShapeOf(HoconValue resolved) =>
        _shape.TryGetValue(resolved, out var shape) ? shape : (0, 1);

    private void Record(HoconValue container, int depth, long size)
    {
        // Only substitutions can push a resolved tree past the parser's limits.
        if (depth > HoconParser.MaxDepth + 1)
        {
            throw new HoconException(
                $"substitutions nest objects and lists more than {HoconParser.MaxDepth} levels deep", container.Origin);
        }

        if (size > _maxSize)
        {
            throw new HoconException(
                $"substitutions expand the configuration to more than {_maxSize} values", container.Origin);
        }

        _shape[container] = (depth, size);
    }

    private HoconException Cycle(HoconValue node)
    {
        var start = _active.FindIndex(active => ReferenceEquals(active, node));
        var chain = _active.Skip(Math.Max(start, 0)).OfType<HoconSubstitution>().ToList();
        if (chain.Count == 0)
        {
            return new HoconException("substitution cycle", node.Origin);
        }

        var first = chain[0];
        var description = node is HoconSubstitution
            ? string.Join(" -> ", chain.Append(first))
            : $"{string.Join(" -> ", chain)} refers to an object that contains it";
        return new HoconException($"substitution cycle: {description}", first.Origin, OwnerPathText(first));
    }

    private static string? OwnerPathText(HoconSubstitution substitution) =>
        substitution.OwnerPath is { } owner ? HoconPath.Render(owner) : null;
}
