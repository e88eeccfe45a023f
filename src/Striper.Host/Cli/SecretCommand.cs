using Striper.Actors.Security;

namespace Striper.Host.Cli;

/// <summary><c>striper secret</c>: a new shared secret on standard output, or in a new owner-only file.</summary>
internal static class SecretCommand
{
    public static int Run(string? outFile)
    {
        var text = SharedSecret.GenerateText();
        if (outFile is null)
        {
            Console.Out.WriteLine(text);
            return ExitCodes.Success;
        }

        SecretFile.Create(outFile, text);
        Console.Error.WriteLine($"striper: wrote a new secret to {outFile} (mode 600); give both proxies --secret-file {outFile}");
        return ExitCodes.Success;
    }
}
