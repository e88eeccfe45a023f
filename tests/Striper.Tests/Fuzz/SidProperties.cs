using FsCheck;
using FsCheck.Fluent;
using Striper.Actors.Identity;

namespace Striper.Tests.Fuzz;

/// <summary>
/// Property tests for SID text parsing (what users type after <c>msp connect</c>): a SID in any case and with
/// surrounding blanks reads back as itself; anything else is refused with one line that never echoes the input raw.
/// </summary>
public sealed class SidProperties
{
    private static readonly Gen<byte[]> PublicKey = Gen.ArrayOf(WireGen.Byte, NodeIdentity.PublicKeySize);

    [Fact]
    public void A_sid_written_in_any_case_with_blanks_around_should_parse_to_itself()
    {
        var cases = from key in PublicKey
                    from upper in Gen.ArrayOf(Gen.Elements(true, false), Sid.Size * 2)
                    from before in Gen.Elements("", " ", "\t", "  \n")
                    from after in Gen.Elements("", " ", "\r\n", "\t ")
                    select (Sid.FromPublicKey(key), upper, before, after);

        FuzzRun.Check(Prop.ForAll(cases.ToArbitrary(), t =>
        {
            var (sid, upper, before, after) = t;
            var text = before + new string(sid.Hex.Select((c, i) => upper[i] ? char.ToUpperInvariant(c) : c).ToArray()) + after;

            Assert.True(Sid.TryParse(text, out var parsed, out var error), error);
            Assert.Equal(sid, parsed);
            Assert.Null(error);
        }), ciBudget: 300, salt: 41);
    }

    [Fact]
    public void Any_other_text_should_be_refused_with_one_line()
    {
        var texts = Gen.OneOf(
            Gen.Choose(0, 200).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 0x2FF).Select(c => (char)c), n)).Select(c => new string(c)),
            from key in PublicKey
            from position in Gen.Choose(0, (Sid.Size * 2) - 1)
            from bad in Gen.Elements('g', 'G', 'x', ' ', '\n', '\0', '-', 'é', '٣', '\u200b')
            select Sid.FromPublicKey(key).Hex.Remove(position, 1).Insert(position, bad.ToString()),
            from key in PublicKey
            from cut in Gen.Choose(-3, 3)
            select cut < 0 ? Sid.FromPublicKey(key).Hex[..(64 + cut)] : Sid.FromPublicKey(key).Hex + new string('a', cut),
            Gen.Choose(10_000, 100_000).Select(n => new string('a', n) + "\n\u001b[2J"));

        FuzzRun.Check(Prop.ForAll(texts.ToArbitrary(), text =>
        {
            if (Sid.TryParse(text, out var sid, out var error))
            {
                Assert.Matches("^[0-9a-f]{64}$", sid.Hex);
                Assert.Equal(text.Trim().ToLowerInvariant(), sid.Hex);
                return;
            }

            Assert.NotNull(error);
            Assert.DoesNotContain(error, c => char.IsControl(c));
            Assert.Contains("is not a SID", error, StringComparison.Ordinal);
            Assert.InRange(error.Length, 1, 600);
        }), ciBudget: 1000, salt: 42);
    }
}
