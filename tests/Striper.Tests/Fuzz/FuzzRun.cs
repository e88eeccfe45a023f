using System.Globalization;
using FsCheck;
using Microsoft.FSharp.Core;

namespace Striper.Tests.Fuzz;

/// <summary>
/// How much fuzzing a run does. CI runs a small, seeded, deterministic budget (a few seconds for the whole folder);
/// STRIPER_FUZZ_ITERATIONS raises every budget to that many cases and STRIPER_FUZZ_SEED picks other inputs, so a
/// long run on demand (bench/fuzz.sh) explores more, and any failure it finds replays from the seed it prints.
/// </summary>
internal static class FuzzRun
{
    public const int DefaultSeed = 20261122;

    /// <summary>The cases to run: the override when set, otherwise the CI budget the caller names.</summary>
    public static int Iterations(int ciBudget) =>
        ReadInt("STRIPER_FUZZ_ITERATIONS") is { } iterations && iterations > 0 ? iterations : ciBudget;

    public static int Seed => ReadInt("STRIPER_FUZZ_SEED") ?? DefaultSeed;

    /// <summary>A seeded random source for the mutational fuzzer; <paramref name="salt"/> keeps tests independent.</summary>
    public static Random Random(int salt) => new(unchecked(Seed * 31 + salt));

    /// <summary>FsCheck runs the property with the budget and seed above and throws (naming the input) on failure.</summary>
    public static void Check(Property property, int ciBudget, int salt)
    {
        var replay = new Replay(new Rnd(unchecked((ulong)(uint)Seed << 16) ^ (ulong)(uint)salt), FSharpOption<int>.None);
        var config = Config.QuickThrowOnFailure
            .WithMaxTest(Iterations(ciBudget))
            .WithQuietOnSuccess(true)
            .WithReplay(FSharpOption<Replay>.Some(replay));
        FsCheck.Check.One(config, property);
    }

    private static int? ReadInt(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
}
