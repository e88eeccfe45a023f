using System.Runtime.InteropServices;

namespace Striper.Actors.Mdp.Offload;

/// <summary>Linux <c>struct iovec</c>: one piece of a scatter/gather buffer.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct IoVector
{
    public byte* Base;
    public nuint Length;
}
