using LmsCloud.Sis;
using LmsCloud.Core.Rostering;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace LmsCloud.Tests.Rostering;

/// <summary>The local-disk storage behind the seam, and the retry policy of imports.</summary>
public sealed class StorageAndRetryTests : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("lmscloud-storage-test-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Local_disk_storage_saves_opens_lists_and_deletes_by_key()
    {
        var storage = new LocalDiskFileStorage(_root);
        await storage.SaveAsync("t1/inbox/a.zip", new MemoryStream("hello"u8.ToArray()));

        Assert.True(await storage.ExistsAsync("t1/inbox/a.zip"));
        await using (var read = await storage.OpenReadAsync("t1/inbox/a.zip"))
            Assert.Equal("hello", await new StreamReader(read).ReadToEndAsync());
        var listed = Assert.Single(await storage.ListAsync("t1/inbox/"));
        Assert.Equal(("t1/inbox/a.zip", 5L), (listed.Key, listed.Length));
        Assert.Empty(await storage.ListAsync("t2/inbox/"));
        Assert.Equal(Path.Combine(_root, "t1", "inbox", "a.zip"), await storage.GetLocalPathAsync("t1/inbox/a.zip"));

        await storage.DeleteAsync("t1/inbox/a.zip");
        await storage.DeleteAsync("t1/inbox/a.zip"); // gone already: fine
        Assert.False(await storage.ExistsAsync("t1/inbox/a.zip"));
    }

    [Fact]
    public async Task A_save_that_fails_halfway_leaves_nothing_and_keys_cannot_leave_the_root()
    {
        var storage = new LocalDiskFileStorage(_root);

        await Assert.ThrowsAsync<IOException>(() => storage.SaveAsync("t1/inbox/b.zip", new FailingStream()));

        Assert.False(await storage.ExistsAsync("t1/inbox/b.zip"));
        Assert.Empty(Directory.GetFiles(_root, "*", SearchOption.AllDirectories));
        foreach (var key in new[] { "../x.zip", "t1/../../x.zip", "/etc/passwd", "t1//x", "t1\\x", "" })
            await Assert.ThrowsAsync<ArgumentException>(() => storage.ExistsAsync(key));
    }

    [Fact]
    public async Task Transient_database_errors_are_retried_and_nothing_else_is()
    {
        var retry = ImportRetry.Create(NullLogger.Instance, maxRetries: 3, firstDelay: TimeSpan.FromMilliseconds(1));

        var attempts = 0;
        var result = await retry.ExecuteAsync(_ =>
        {
            if (++attempts < 3) throw new NpgsqlException("connection lost", new IOException("reset by peer"));
            return ValueTask.FromResult("done");
        });
        Assert.Equal(("done", 3), (result, attempts));

        attempts = 0;
        await Assert.ThrowsAsync<PostgresException>(() => retry.ExecuteAsync(_ =>
        {
            attempts++;
            throw new PostgresException("duplicate key", "ERROR", "ERROR", PostgresErrorCodes.UniqueViolation);
        }).AsTask());
        Assert.Equal(1, attempts);

        attempts = 0;
        await Assert.ThrowsAsync<InvalidOperationException>(() => retry.ExecuteAsync(_ => { attempts++; throw new InvalidOperationException("bad package"); }).AsTask());
        Assert.Equal(1, attempts);

        attempts = 0;
        await Assert.ThrowsAsync<PostgresException>(() => retry.ExecuteAsync(_ =>
        {
            attempts++;
            throw new PostgresException("could not serialize access", "ERROR", "ERROR", PostgresErrorCodes.SerializationFailure);
        }).AsTask());
        Assert.Equal(4, attempts); // bounded: the first try and three retries
    }

    sealed class FailingStream : MemoryStream
    {
        int _reads;

        public FailingStream() : base(new byte[100_000]) { }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
            ++_reads > 1 ? throw new IOException("client went away") : base.ReadAsync(buffer, ct);
    }
}
