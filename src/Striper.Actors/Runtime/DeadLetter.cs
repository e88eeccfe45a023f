namespace Striper.Actors.Runtime;

/// <summary>A message that could not be delivered: its recipient was dead or did not handle it.</summary>
public sealed record DeadLetter(object Message, IActorRef Sender, IActorRef Recipient);
