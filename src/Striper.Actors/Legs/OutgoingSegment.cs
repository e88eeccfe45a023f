using Striper.Actors.Buffers;

namespace Striper.Actors.Legs;

/// <summary>
/// A piece of what a leg will send: bytes, plus what to give back once they are on the wire. An owned lease
/// (edge data) is returned to the pool; a rented array (a frame header) goes back to the buffer pool; a retained
/// chunk (DATA payload the Striper keeps until acknowledged) is only read.
/// </summary>
internal readonly record struct OutgoingSegment(ArraySegment<byte> Bytes, BufferLease? Owned = null, bool RentedArray = false)
{
    public void Release()
    {
        Owned?.Dispose();
        if (RentedArray)
        {
            BufferPool.Arrays.Return(Bytes.Array!);
        }
    }
}
