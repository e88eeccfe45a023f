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
    /// <summary>How the error for a misspelt option starts; it explains the errors that follow from it, so it is shown first.</summary>
    public const string UnknownOption = "Unrecognized option ";

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

    /// <summary>What <see cref="Stripes"/> holds for <c>--stripes auto</c>.</summary>
    public const int AutoStripes = 0;

    public static readonly Option<int?> Stripes = new("--stripes")
    {
        Description = "Substreams per tunnelled connection, 1 to 256, or auto: each connection finds its own count, up to striper.stripes.max (default from config.hocon: auto).",
        Recursive = true,
        HelpName = "N",
        CustomParser = ParseStripes,
    };

    public static readonly Option<Actors.Settings.SubstreamTransports?> Transport = new("--transport")
    {
        Description = "What substreams travel on: tcp, msp (MSP streams over UDP, each on its own UDP port) or tcp,msp (alternating). "
            + "A server accepts MSP substreams on UDP at its LISTEN address only when this includes msp. Default from config.hocon: tcp.",
        HelpName = "tcp|msp|tcp,msp",
        CustomParser = ParseTransport,
    };

    public static readonly Option<string?> CongestionControl = new("--congestion-control")
    {
        Description = "TCP congestion control of the substream sockets this proxy dials or accepts (Linux): system (the kernel's default), cubic, bbr or reno. "
            + "Where the kernel lacks it the proxy warns once and uses the kernel's default. Default from config.hocon: system.",
        HelpName = "system|cubic|bbr|reno",
        CustomParser = ParseCongestionControl,
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

    public static readonly Option<string?> SecretFile = new("--secret-file")
    {
        Description = "A file holding the shared secret both proxies must hold (make one with 'striper secret --out FILE'); "
            + "it must be readable by its owner only. Every substream then proves the secret, both ways.",
        Recursive = true,
        HelpName = "FILE",
    };

    public static readonly Option<bool> Encrypt = new("--encrypt")
    {
        Description = "Encrypt substream payloads with AES-256-GCM (needs --secret-file; the demo makes a throwaway secret).",
        Recursive = true,
    };

    public static readonly Option<bool> Insecure = new("--insecure")
    {
        Description = "Let a server without a secret listen on a non-loopback address: anyone who reaches it can use its target.",
    };

    public static readonly Option<bool> Socks5 = new("--socks5")
    {
        Description = "Client proxy: speak SOCKS5 (RFC 1928, CONNECT to IPv4, IPv6 or a name) on LISTEN; each connection is striped to the server proxy, "
            + "which connects to the target the SOCKS client names if its striper.server.allow lets it. Username/password (RFC 1929) with striper.socks.users-file.",
    };

    public static readonly Option<string?> Control = new("--control")
    {
        Description = "Where the proxy serves its control endpoint (dashboard, /api/status, /metrics): HOST:PORT, auto or off "
            + "(default from config.hocon: auto, 127.0.0.1:9110 for a client proxy, 127.0.0.1:9111 for a server proxy).",
        HelpName = "HOST:PORT|auto|off",
    };

    public static readonly Option<string?> StatusControl = new("--control")
    {
        Description = "The proxy's control endpoint, HOST:PORT (default: ask 127.0.0.1:9110 and 127.0.0.1:9111, where client and server proxies serve theirs).",
        HelpName = "HOST:PORT",
    };

    public static readonly Option<bool> StatusWatch = new("--watch", "-w")
    {
        Description = "Redraw every second, like top, until Ctrl+C.",
    };

    public static readonly Option<bool> StatusJson = new("--json")
    {
        Description = "Print the status as JSON (what /api/status serves): one object with --control, else an array of the proxies that answered.",
    };

    public static readonly Option<string?> StatusTokenFile = new("--token-file")
    {
        Description = "A file holding the control endpoint's token (striper.control.token-file on the proxy).",
        HelpName = "FILE",
    };

    public static readonly Option<string?> SecretOut = new("--out")
    {
        Description = "Write the secret to FILE (created new, readable by its owner only) instead of printing it.",
        HelpName = "FILE",
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
        Recursive = true,
    };

    public static readonly Option<bool> MspOnce = new("--once")
    {
        Description = "Carry one stream (one TCP connection with --forward), then exit when it is closed.",
    };

    public static readonly Option<int?> MspForward = new("--forward")
    {
        Description = "Carry local TCP connections, one MSP stream each: listen connects to TCPPORT on loopback; connect accepts on it. Without it, standard input and output are the stream.",
        HelpName = "TCPPORT",
        CustomParser = r => ParsePort(r, "--forward"),
    };

    public static readonly Option<string?> MspService = new("--service")
    {
        Description = "listen: announce this port to the mesh under NAME (letters, digits, '.', '_', '-'; up to 32). "
            + "connect: find the node and port that offer NAME (instead of SID and MDPPORT).",
        HelpName = "NAME",
    };

    public static readonly Option<int> MspWait = new("--wait")
    {
        Description = "Seconds to listen to the mesh's announcements before printing what it offers (default 3).",
        HelpName = "SECONDS",
        DefaultValueFactory = _ => 3,
        CustomParser = r => ParsePort(r, "--wait") ?? 3,
    };

    /// <summary>connect's SID, optional so that --service can name the node instead.</summary>
    public static readonly Argument<string?> MspConnectSid = new("SID")
    {
        Description = "The SID of the node to connect to, as 'striper id' prints it there (64 hex digits); or give --service.",
        Arity = ArgumentArity.ZeroOrOne,
    };

    /// <summary>connect's MDP port, optional so that --service can name it instead.</summary>
    public static readonly Argument<int?> MspConnectPort = new("MDPPORT")
    {
        Description = "The MDP port (1 to 65535) to connect to; or give --service.",
        Arity = ArgumentArity.ZeroOrOne,
        CustomParser = r => ParsePort(r, "MDPPORT"),
    };

    public static readonly Option<string[]> MspBind = new("--bind")
    {
        Description = "UDP address of this node, HOST:PORT, repeatable (default from config.hocon: striper.mdp.bind). Port 0 picks a free port.",
        HelpName = "HOST:PORT",
        Recursive = true,
        AllowMultipleArgumentsPerToken = false,
    };

    public static readonly Option<string[]> MspPeer = new("--peer")
    {
        Description = "UDP address of a neighbour to say hello to, HOST:PORT, repeatable (default from config.hocon: striper.mdp.peers).",
        HelpName = "HOST:PORT",
        Recursive = true,
        AllowMultipleArgumentsPerToken = false,
    };

    public static readonly Argument<int> MspPort = new("MDPPORT")
    {
        Description = "The MDP port (1 to 65535) to listen on or connect to.",
        CustomParser = r => ParsePort(r, "MDPPORT") ?? 0,
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

            With a shared secret (make it once, copy the file to both machines, chmod 600):
              striper secret --out striper.secret
              striper -s 0.0.0.0:22222 127.0.0.1:22 --secret-file striper.secret
              striper -c 0.0.0.0:11111 SERVERHOST 22222 --secret-file striper.secret

            Addresses are host:port; IPv6 literals are written [::1]:22222. Logs go to standard error.
            Exit codes: 0 success, 1 runtime failure (e.g. address in use), 2 bad command line or configuration.
            """)
        {
            Client, Server, Stripes, Transport, CongestionControl, ConfigFile, Verbose, Quiet, SecretFile, Encrypt, Insecure, Control, Socks5,
        };
        root.Subcommands.Add(BuildDemo());
        root.Subcommands.Add(BuildSecret());
        root.Subcommands.Add(BuildId());
        root.Subcommands.Add(BuildMsp());
        root.Subcommands.Add(BuildStatus());
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
            DemoSize, Control,
        };
        demo.Validators.Add(ValidateLogLevel);
        demo.SetAction((result, cancellationToken) => DemoRunner.RunAsync(DemoOptions.From(result), cancellationToken));
        return demo;
    }

    private static Command BuildSecret()
    {
        var secret = new Command(
            "secret",
            "Print a new random shared secret (32 bytes, base64url), or write it to a new owner-only file with --out. "
            + "Give both proxies the same secret with --secret-file FILE.")
        {
            SecretOut,
        };
        secret.SetAction(result => SecretCommand.Run(result.GetValue(SecretOut)));
        return secret;
    }

    private static Command BuildStatus()
    {
        var status = new Command(
            "status",
            "Show a running proxy's tunnelled connections (peer, target, age, bytes and rate each way, resends) and each one's substreams "
            + "(transport, state, smoothed RTT, delivery rate, in flight, share, redials), read from its control endpoint. Exits 1 if none answers.")
        {
            StatusControl, StatusWatch, StatusJson, StatusTokenFile,
        };
        status.SetAction((result, cancellationToken) => StatusRunner.RunAsync(StatusOptions.From(result), cancellationToken));
        return status;
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

    private static Command BuildMsp()
    {
        var listen = new Command(
            "listen",
            "Listen for MSP streams on MDPPORT. With --forward, each stream is joined to a new TCP connection to TCPPORT on loopback; "
            + "without it, the first stream is joined to standard input and output (--once is implied).")
        {
            MspOnce, MspForward, MspService, MspPort,
        };
        listen.SetAction((result, cancellationToken) => MspTunnelRunner.RunAsync(MspOptions.From(result, MspMode.Listen), cancellationToken));

        var connect = new Command(
            "connect",
            "Open MSP streams to MDPPORT on the node SID. With --forward, accept TCP connections on TCPPORT (loopback) and carry each over "
            + "its own stream; without it, carry standard input and output over one stream, like netcat (end of input half-closes).")
        {
            MspOnce, MspForward, MspService, MspConnectSid, MspConnectPort,
        };
        connect.SetAction((result, cancellationToken) => MspTunnelRunner.RunAsync(MspOptions.From(result, MspMode.Connect), cancellationToken));

        var node = new Command(
            "node",
            "Run an MDP node that only routes: it says hello to its neighbours (--peer), floods the mesh's route announcements and "
            + "forwards datagrams between nodes that are not neighbours, until a signal.");
        node.SetAction((result, cancellationToken) => MspTunnelRunner.RunAsync(MspOptions.From(result, MspMode.Node), cancellationToken));

        var services = new Command(
            "services",
            "Join the mesh through --peer, listen to its announcements for --wait seconds, and print every service it offers: "
            + "name, node SID, MDP port and hops away (connect with 'striper msp connect --service NAME').")
        {
            MspWait,
        };
        services.SetAction((result, cancellationToken) => MspTunnelRunner.RunAsync(MspOptions.From(result, MspMode.Services), cancellationToken));

        var msp = new Command(
            "msp",
            "Tunnel byte streams over MSP (reliable streams) on MDP (authenticated datagrams over UDP), as Serval's 'msp listen' and 'msp connect'. "
            + "The node's identity, UDP address and neighbours come from config.hocon or --identity, --bind and --peer.")
        {
            IdentityFile, MspBind, MspPeer,
        };
        msp.Subcommands.Add(listen);
        msp.Subcommands.Add(connect);
        msp.Subcommands.Add(node);
        msp.Subcommands.Add(services);
        return msp;
    }

    private static int? ParsePort(System.CommandLine.Parsing.ArgumentResult result, string what)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
        if (Actors.Proxy.HostPort.TryParsePort(text, out var port, out var error))
        {
            return port;
        }

        result.AddError($"{what}: {error}.");
        return null;
    }

    private static void Validate(System.CommandLine.Parsing.CommandResult result)
    {
        var client = result.GetResult(Client) is not null;
        var server = result.GetResult(Server) is not null;

        // -c takes two or three values, so a misspelt option after them is taken as one: name it, not what follows.
        var swallowed = (result.GetResult(Client)?.Tokens ?? []).Concat(result.GetResult(Server)?.Tokens ?? [])
            .FirstOrDefault(t => t.Value.Length > 1 && t.Value[0] == '-' && !char.IsAsciiDigit(t.Value[1]));
        if (swallowed is not null)
        {
            result.AddError($"{UnknownOption}'{swallowed.Value}'.");
            return;
        }

        if (client && server)
        {
            result.AddError("-c and -s cannot be used together: run one proxy per process.");
        }
        else if (server && result.GetValue(Socks5))
        {
            result.AddError("--socks5 is for the client proxy (-c); a server proxy takes the targets its striper.server.allow lists.");
        }
        else if (!client && !server)
        {
            result.AddError("say what to run: -c (client proxy), -s (server proxy) or a command such as 'demo'.");
        }

        ValidateLogLevel(result);
    }

    private static void ValidateLogLevel(System.CommandLine.Parsing.CommandResult result)
    {
        if (result.GetValue(Verbose) && result.GetValue(Quiet))
        {
            result.AddError("-v and -q cannot be used together: choose one log level.");
        }
    }

    private static Actors.Settings.SubstreamTransports? ParseTransport(System.CommandLine.Parsing.ArgumentResult result)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
        if (Actors.Settings.SubstreamTransportsParser.TryParse(text, out var transports))
        {
            return transports;
        }

        result.AddError($"--transport must be {Actors.Settings.SubstreamTransportsParser.Choices}, got '{text}'.");
        return null;
    }

    private static string? ParseCongestionControl(System.CommandLine.Parsing.ArgumentResult result)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
        if (Actors.Settings.CongestionControlNames.TryParse(text, out var name))
        {
            return name;
        }

        result.AddError($"--congestion-control must be {Actors.Settings.CongestionControlNames.Choices}, got '{text}'.");
        return null;
    }

    private static int? ParseStripes(System.CommandLine.Parsing.ArgumentResult result)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
        if (string.Equals(text, "auto", StringComparison.OrdinalIgnoreCase))
        {
            return AutoStripes;
        }

        if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var stripes)
            && stripes is >= 1 and <= Actors.Wire.Handshake.MaxSubstreams)
        {
            return stripes;
        }

        result.AddError($"--stripes must be auto or a whole number from 1 to {Actors.Wire.Handshake.MaxSubstreams}, got '{text}'.");
        return null;
    }
}
