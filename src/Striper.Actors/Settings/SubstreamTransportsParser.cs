namespace Striper.Actors.Settings;

/// <summary>Reads "tcp", "msp", "tcp,msp" (either order, any case, spaces allowed) the same way for the config file and the command line.</summary>
public static class SubstreamTransportsParser
{
    public const string Choices = "tcp, msp or tcp,msp";

    public static bool TryParse(string? text, out SubstreamTransports transports)
    {
        transports = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        foreach (var part in text.Split(','))
        {
            var flag = part.Trim().ToUpperInvariant() switch
            {
                "TCP" => SubstreamTransports.Tcp,
                "MSP" => SubstreamTransports.Msp,
                _ => (SubstreamTransports)0,
            };
            if (flag == 0 || (transports & flag) != 0)
            {
                transports = 0;
                return false;
            }

            transports |= flag;
        }

        return true;
    }

    public static string Format(SubstreamTransports transports) => transports switch
    {
        SubstreamTransports.Tcp => "tcp",
        SubstreamTransports.Msp => "msp",
        _ => "tcp,msp",
    };
}
