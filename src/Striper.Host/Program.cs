using Striper.Actors.Identity;
using Striper.Actors.Proxy;
using Striper.Actors.Settings;
using Striper.Host.Cli;

namespace Striper.Host;

internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        var root = StriperCommand.Build();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            var first = parse.Errors.FirstOrDefault(e => e.Message.StartsWith(StriperCommand.UnknownOption, StringComparison.Ordinal)) ?? parse.Errors[0];
            return Fail(first.Message, ExitCodes.Usage);
        }

        try
        {
            // Our own handlers below turn known failures into one sentence; a bug should still show its stack.
            return await parse.InvokeAsync(new System.CommandLine.InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (UsageException ex)
        {
            return Fail(ex.Message, ExitCodes.Usage);
        }
        catch (ConfigException ex)
        {
            return Fail(ex.Message, ExitCodes.Usage);
        }
        catch (Actors.Security.SecretFileException ex)
        {
            return Fail(ex.Message, ExitCodes.Usage);
        }
        catch (IdentityException ex)
        {
            // Like a secret file, an identity file that cannot be used is the setup's problem, not the run's.
            return Fail(ex.Message, ExitCodes.Usage);
        }
        catch (ProxyStartException ex)
        {
            return Fail(ex.Message, ExitCodes.Failure);
        }
    }

    private static int Fail(string message, int code)
    {
        Console.Error.WriteLine($"striper: {message}");
        if (code == ExitCodes.Usage)
        {
            Console.Error.WriteLine("Try 'striper --help'.");
        }

        return code;
    }
}
