using System.CommandLine;
using Striper.Host.Demo;
using Striper.Host.Hosting;

namespace Striper.Host.Cli;

/// <summary>
/// The command tree. Options are declared once here; actions only parse and hand over to a class that works.
/// Every rule about which options go together lives in <see cref="Validate"/>, so a bad command line gets
/// one sentence and exit code 2 before anything starts.
/// </summary>
internal static class StriperCommand
{
    public static readonly Option<string[]> Client = new("--client", "-c")
    {
        Description = "Run the client proxy: accept on LISTEN and stripe each connection to the server proxy at PEERHOST PEERPORT (or PEERHOST:PEERPORT).",
        Arity = new ArgumentArity(2, 3),
        AllowMultipleArgumentsPerToken = true,
        HelpName = "LISTEN PEERHOST PEERPORT",
    };

    public static readonly Option<string[]> Server = new("--server", "-s")
    {
        Description = "Run the server proxy: accept substreams on LISTEN and forward each tunnelled connection to TARGET (host:port).",
        Arity = new ArgumentArity(2, 2),
        AllowMultipleArgumentsPerToken = true,
        HelpName = "LISTEN TARGET",
    };

    public static readonly Option<int?> Stripes = new("--stripes")
    {
        Description = "Substreams per tunnelled connection, 1 to 256 (default from config.hocon: 8).",
        Recursive = true,
        HelpName = "N",
        CustomParser = ParseStripes,
    };

    public static readonly Option<string?> ConfigFile = new("--config")
    {
        Description = "A HOCON file whose settings overlay the built-in config.hocon.",
        Recursive = true,
        HelpName = "FILE",
    };

    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Log one level more verbosely than configured (debug by default).",
        Recursive = true,
    };

    public static readonly Option<bool> Quiet = new("--quiet", "-q")
    {
        Description = "Log only warnings and errors.",
        Recursive = true,
    };

    public static readonly Option<string?> DemoSize = new("--size")
    {
        Description = "Bytes to push each way, e.g. 64MiB or 1GiB (default from config.hocon: 1GiB).",
        HelpName = "SIZE",
    };

    public static readonly Option<string?> IdentityFile = new("--identity")
    {
        Description = "The node's identity file (private key; created 0600 if missing). Default from config.hocon: striper.identity.file.",
        HelpName = "FILE",
    };

    public static RootCommand Build()
    {
        var root = new RootCommand(
            """
            Striper: a multipath striping proxy. One TCP connection travels between two striper proxies as
            several parallel substreams, so a per-flow throttle on the path caps each substream, not the transfer.

              striper -s 0.0.0.0:22222 127.0.0.1:22        server proxy, next to the target
              striper -c 0.0.0.0:11111 SERVERHOST 22222    client proxy, next to the application
              ssh -p 11111 localhost                        now travels over 8 parallel substreams

            Addresses are host:port; IPv6 literals are written [::1]:22222. Logs go to standard error.
            Exit codes: 0 success, 1 runtime failure (e.g. address in use), 2 bad command line or configuration.
            """)
        {
            Client, Server, Stripes, ConfigFile, Verbose, Quiet,
        };
        root.Subcommands.Add(BuildDemo());
        root.Subcommands.Add(BuildId());
        root.Validators.Add(Validate);
        root.SetAction((result, cancellationToken) => ProxyRunner.RunAsync(ProxyOptions.From(result), cancellationToken));
        return root;
    }

    private static Command BuildDemo()
    {
        var demo = new Command(
            "demo",
            "Start a server proxy, a client proxy and a data source/sink on loopback in this process, push data both ways "
            + "through them, show progress and per-substream throughput, and verify SHA-256 on both sides. Exits 0 only if every byte matched. "
            + "Logs only warnings unless -v is given.")
        {
            DemoSize,
        };
        demo.SetAction((result, cancellationToken) => DemoRunner.RunAsync(DemoOptions.From(result), cancellationToken));
        return demo;
    }

    private static Command BuildId()
    {
        var id = new Command(
            "id",
            "Create this node's identity the first time (a P-256 key pair in a file only its owner may read) and print its SID, "
            + "the SHA-256 of the public key as 64 hex digits, on the last line.")
        {
            IdentityFile,
        };
        id.SetAction(result => IdentityRunner.Run(result.GetValue(IdentityFile), CommonOptions.From(result)));
        return id;
    }

    private static void Validate(System.CommandLine.Parsing.CommandResult result)
    {
        var client = result.GetResult(Client) is not null;
        var server = result.GetResult(Server) is not null;
        if (client && server)
        {
            result.AddError("-c and -s cannot be used together: run one proxy per process.");
        }
        else if (!client && !server)
        {
            result.AddError("say what to run: -c (client proxy), -s (server proxy) or a command such as 'demo'.");
        }
    }

    private static int? ParseStripes(System.CommandLine.Parsing.ArgumentResult result)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
        if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var stripes)
            && stripes is >= 1 and <= Actors.Wire.Handshake.MaxSubstreams)
        {
            return stripes;
        }

        result.AddError($"--stripes must be a whole number from 1 to {Actors.Wire.Handshake.MaxSubstreams}, got '{text}'.");
        return null;
    }
}
