using System.Runtime.InteropServices;

namespace Striper.Actors.Mdp.Offload;

/// <summary>Linux <c>struct pollfd</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PollDescriptor
{
    public int Descriptor;
    public short Events;
    public short ReturnedEvents;
}
