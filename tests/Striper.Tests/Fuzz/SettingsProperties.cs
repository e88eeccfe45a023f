using FsCheck.Fluent;
using Striper.Actors.Settings;
using Striper.Tests.Support;

namespace Striper.Tests.Fuzz;

/// <summary>
/// A user's config file with any values for the real settings goes through the same steps as at startup (parse,
/// unknown keys, overlay on the built-in config.hocon, read into settings): the only failure allowed is one
/// <see cref="ConfigException"/> naming the file, which the program turns into one sentence and exit code 2.
/// </summary>
public sealed class SettingsProperties
{
    private static readonly string[] Values =
    [
        "0", "1", "-1", "8", "256", "257", "1024", "2147483647", "2147483648", "9223372036854775807", "99999999999999999999",
        "1.5", "-0.5", "1e308", "1e309", "NaN", "0x10", "64KiB", "1MiB", "1GiB", "4TiB", "9999999PiB", "1 KiB", "-1KiB", "10XB",
        "100ms", "0s", "-1s", "5 minutes", "1d", "99999999 days", "1us", "1ns", "infinity", "true", "no", "null", "\"\"",
        "\"8\"", "\"256KiB\"", "[1, 2]", "[]", "{}", "{ a = 1 }", "${?NOPE}", "${striper.stripes}", "${striper.chunk-size}",
        "information", "debug", "chatty", "\"\\u0000\"",
    ];

    [Fact]
    public void Any_values_for_the_real_settings_should_load_or_fail_with_one_config_exception()
    {
        var keys = TestConfig.LeafPaths(TestConfig.Defaults).ToArray();
        var documents = Gen.Choose(1, 6)
            .SelectMany(n => Gen.ArrayOf(Gen.Zip(Gen.Elements(keys), Gen.Elements(Values)), n))
            .Select(entries => string.Join('\n', entries.Select(e => $"{e.Item1} = {e.Item2}")));

        FuzzRun.Check(Prop.ForAll(documents.ToArbitrary(), text =>
        {
            try
            {
                var loaded = TestConfig.Load(text);
                loaded.Read(StriperSettingsReader.Read);
                _ = loaded.Read(config => ConfigValues.GetString(config, "striper.log.level"));
            }
            catch (ConfigException ex)
            {
                // Every error names the user's file, which set the value or one of a pair (Akka keeps no line for values).
                Assert.StartsWith("user.conf", ex.Message, StringComparison.Ordinal);
                Assert.DoesNotContain('\n', ex.Message);
            }
        }), ciBudget: 500, salt: 41);
    }
}
