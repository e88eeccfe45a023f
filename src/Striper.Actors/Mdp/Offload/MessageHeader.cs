using System.Runtime.InteropServices;

namespace Striper.Actors.Mdp.Offload;

/// <summary>Linux <c>struct msghdr</c> on 64-bit targets (56 bytes), for <c>sendmsg</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MessageHeader
{
    public byte* Name;
    public uint NameLength;
    public IoVector* Vectors;
    public nuint VectorCount;
    public byte* Control;
    public nuint ControlLength;
    public int Flags;
}
