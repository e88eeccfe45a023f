namespace Striper.Host.Cli;

internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>Something failed at run time: an address in use, a demo whose bytes did not match.</summary>
    public const int Failure = 1;

    /// <summary>The command line or a configuration file is wrong.</summary>
    public const int Usage = 2;
}
