using System.Diagnostics;
using Xunit.Sdk;

namespace Striper.Tests.TestKit;

public sealed class TestProbeTests : TestKitBase
{
    [Fact]
    public void ExpectMsg_should_name_the_expected_type_and_what_arrived_instead()
    {
        TestActor.Tell(42);

        var failure = Assert.Throws<XunitException>(() => ExpectMsg<string>());

        Assert.Contains("String", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Int32 [42]", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExpectMsg_should_report_a_timeout()
    {
        var failure = Assert.Throws<XunitException>(() => ExpectMsg<string>(TimeSpan.FromMilliseconds(20)));

        Assert.Contains("timeout", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExpectNoMsg_should_fail_when_a_message_arrives()
    {
        TestActor.Tell("surprise");

        Assert.Throws<XunitException>(() => ExpectNoMsg(TimeSpan.FromMilliseconds(20)));
    }

    [Fact]
    public void FishForMessage_should_skip_other_messages()
    {
        TestActor.Tell("noise");
        TestActor.Tell(1);
        TestActor.Tell(2);

        Assert.Equal(2, FishForMessage<int>(i => i == 2));
    }

    [Fact]
    public void Reply_should_answer_the_last_sender()
    {
        var other = CreateTestProbe();
        TestActor.Tell("question", other);
        ExpectMsg<string>();

        TestActor.Reply("answer");

        Assert.Equal("answer", other.ExpectMsg<string>());
        Assert.Same(TestActor, other.LastSender);
    }

    [Fact]
    public void Within_should_shrink_default_timeouts_to_the_time_left()
    {
        var started = Stopwatch.GetTimestamp();

        Assert.Throws<XunitException>(() => Within(TimeSpan.FromMilliseconds(100), () => ExpectMsg<string>()));

        Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(2), "the 3 s default timeout was not shortened");
    }

    [Fact]
    public void Within_should_fail_when_the_block_takes_longer()
    {
        var failure = Assert.Throws<XunitException>(() => Within(TimeSpan.FromMilliseconds(10), () => Thread.Sleep(50)));

        Assert.Contains("Within", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Within_should_pass_when_the_block_is_fast_enough()
    {
        TestActor.Tell("ready");

        Within(TimeSpan.FromSeconds(3), () => ExpectMsg<string>());
    }
}
