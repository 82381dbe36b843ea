using LmsCloud.Sis;

namespace LmsCloud.Tests.Sis;

public sealed class RowErrorLogTests
{
    [Fact]
    public async Task Errors_read_from_the_files_fail_a_run_past_the_limit_and_rejected_references_do_not()
    {
        var cascade = new RowErrorLog(null, Guid.NewGuid(), Guid.NewGuid()); // counts only, stores nothing
        for (var line = 2; line <= RowErrorLog.MaxErrors + 2; line++)
            cascade.Add(new RowError(RowError.Error, "enrollments.csv", line, "classSourcedId", "E_REFERENCE", "names a rejected class"));
        Assert.False(cascade.OverLimit);
        await cascade.CheckpointAsync(CancellationToken.None); // does not throw
        Assert.Equal(RowErrorLog.MaxErrors + 1, cascade.Errors);

        var garbage = new RowErrorLog(null, Guid.NewGuid(), Guid.NewGuid());
        for (var line = 2; line <= RowErrorLog.MaxErrors + 1; line++)
            garbage.Add(new RowError(RowError.Error, "users.csv", line, null, "E_FIELD_COUNT", "ragged"));
        Assert.False(garbage.OverLimit); // exactly the limit is still a roster
        garbage.Add(new RowError(RowError.Error, "users.csv", 1, null, "E_FIELD_COUNT", "ragged"));
        Assert.True(garbage.OverLimit);
        var failed = await Assert.ThrowsAsync<PackageException>(() => garbage.CheckpointAsync(CancellationToken.None).AsTask());
        Assert.StartsWith($"Too many row errors: more than {RowErrorLog.MaxErrors:N0} (most in users.csv, mostly E_FIELD_COUNT)", failed.Message);
    }
}
