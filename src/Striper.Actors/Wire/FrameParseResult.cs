namespace Striper.Actors.Wire;

internal enum FrameParseResult
{
    NeedMore,
    Complete,
    Malformed,
}
