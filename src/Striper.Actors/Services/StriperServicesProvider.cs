using Akka.Actor;

namespace Striper.Actors.Services;

/// <summary>Akka's handle for creating <see cref="StriperServices"/> once per actor system.</summary>
public sealed class StriperServicesProvider : ExtensionIdProvider<StriperServices>
{
    public override StriperServices CreateExtension(ExtendedActorSystem system) => new(system);
}
