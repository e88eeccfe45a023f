using System.Security.Cryptography;
using System.Text;
using FsCheck.Fluent;
using Striper.Actors.Identity;

namespace Striper.Tests.Fuzz;

/// <summary>
/// Property tests for loading an identity file: whatever the file holds (a good key, a key of the wrong type or
/// curve, PEM cut anywhere or with bytes changed, several PEM blocks, random text or bytes), loading gives a P-256
/// identity whose SID hashes its public key or one single-line <see cref="IdentityException"/> naming the file,
/// never another exception; a good key always reloads to the same SID.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class IdentityFileProperties : IDisposable
{
    private static readonly Lazy<string[]> Pems = new(() =>
    {
        using var p256 = NodeIdentity.Generate();
        using var p384 = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP384);
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var rsa = RSA.Create(1024);
        using var sec1 = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        return
        [
            p256.ExportPem(),
            p384.ExportPkcs8PrivateKeyPem(),
            ecdsa.ExportPkcs8PrivateKeyPem(),
            rsa.ExportPkcs8PrivateKeyPem(),
            rsa.ExportRSAPrivateKeyPem(),
            sec1.ExportECPrivateKeyPem(),
            p256.ExportPem().Replace("PRIVATE KEY", "PUBLIC KEY", StringComparison.Ordinal),
            ecdsa.ExportSubjectPublicKeyInfoPem(),
        ];
    });

    private readonly string _directory = Directory.CreateTempSubdirectory("striper-idfuzz-").FullName;

    [Fact]
    public void Any_identity_file_should_load_as_a_p256_identity_or_fail_with_one_line_naming_the_file()
    {
        var pem = Gen.Choose(0, Pems.Value.Length - 1).Select(i => Pems.Value[i]);
        var contents = Gen.OneOf(
            pem.Select(p => Encoding.ASCII.GetBytes(p)),
            from p in pem
            from cut in Gen.Choose(0, 400)
            select Encoding.ASCII.GetBytes(p[..Math.Min(cut, p.Length)]),
            from p in pem
            from changes in Gen.Choose(1, 4).SelectMany(n => Gen.ArrayOf(Gen.Zip(Gen.Choose(0, 10_000), WireGen.Byte), n))
            select Change(Encoding.ASCII.GetBytes(p), changes),
            from a in pem
            from b in pem
            select Encoding.ASCII.GetBytes(a + "\n" + b),
            from p in pem
            from junk in Gen.Elements("", "\0", "\uFEFF", "-----BEGIN PRIVATE KEY-----\n", "garbage\n", "\r\n\r\n")
            select Encoding.UTF8.GetBytes(junk + p + junk),
            WireGen.Bytes(600));

        FuzzRun.Check(Prop.ForAll(contents.ToArbitrary(), bytes =>
        {
            var path = Path.Combine(_directory, "identity");
            File.Delete(path);
            File.WriteAllBytes(path, bytes);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            try
            {
                using var identity = IdentityStore.LoadOrCreate(path, out var created);
                Assert.False(created);
                Assert.Equal(Sid.FromPublicKey(identity.PublicKey), identity.Sid);
                using var again = IdentityStore.LoadOrCreate(path, out _);
                Assert.Equal(identity.Sid, again.Sid);
            }
            catch (IdentityException ex)
            {
                Assert.Contains(path, ex.Message, StringComparison.Ordinal);
                Assert.DoesNotContain('\n', ex.Message);
                Assert.DoesNotContain('\r', ex.Message);
            }
        }), ciBudget: 300, salt: 51);
    }

    [Fact]
    public void Every_wrong_kind_of_key_should_be_refused_and_the_right_one_loaded()
    {
        var path = Path.Combine(_directory, "identity");
        var loaded = new List<bool>();
        foreach (var pem in Pems.Value)
        {
            File.Delete(path);
            File.WriteAllText(path, pem);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            try
            {
                using var identity = IdentityStore.LoadOrCreate(path, out _);
                loaded.Add(true);
            }
            catch (IdentityException ex)
            {
                Assert.Contains("does not hold a P-256 private key", ex.Message, StringComparison.Ordinal);
                loaded.Add(false);
            }
        }

        // Ours (PKCS#8 ECDH), and the same curve as an ECDSA PKCS#8 or SEC1 key, which are the same key material.
        Assert.Equal([true, false, true, false, false, true, false, false], loaded);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static byte[] Change(byte[] bytes, (int Position, byte Value)[] changes)
    {
        foreach (var (position, value) in changes)
        {
            bytes[position % bytes.Length] = value;
        }

        return bytes;
    }
}
