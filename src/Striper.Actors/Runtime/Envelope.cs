namespace Striper.Actors.Runtime;

/// <summary>A user message and its sender, stored by value in the mailbox queue (no allocation per Tell).</summary>
internal readonly record struct Envelope(object Message, IActorRef Sender);
