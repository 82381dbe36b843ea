using LmsCloud.Core.Tenancy;
using LmsCloud.Tests.Infrastructure;
using Npgsql;

namespace LmsCloud.Tests.Tenancy;

/// <summary>
/// The district cache behind host resolution: 30 s for a district, 10 s for an unknown slug, and bounded, so made-up
/// subdomains cannot grow it without end. These stores have no change listener, so what they answer after a change
/// made behind their back shows whether it came from the cache.
/// </summary>
public sealed class DistrictStoreCacheTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task Thousands_of_made_up_subdomains_keep_at_most_the_bound_and_a_known_district_still_resolves_from_cache()
    {
        var district = await db.CreateDistrictAsync("Alder District");
        var store = new DistrictStore(db.App, TimeProvider.System);
        Assert.Equal("Alder District", (await store.GetByIdentifierAsync(district.Slug, default))!.DisplayName);
        await RenameAsync(district.Id, "Renamed");

        await Parallel.ForEachAsync(Enumerable.Range(0, DistrictStore.MaxUnknownSlugs * 3 / 2), new ParallelOptions { MaxDegreeOfParallelism = 4 },
            async (i, ct) => Assert.Null(await store.GetByIdentifierAsync($"nosuch{i}", ct)));

        Assert.InRange(store.CachedUnknownSlugs, 1, DistrictStore.MaxUnknownSlugs);
        Assert.Equal("Alder District", (await store.GetByIdentifierAsync(district.Slug, default))!.DisplayName); // the cached answer
        store.Evict();
        Assert.Equal(0, store.CachedUnknownSlugs);
        Assert.Equal("Renamed", (await store.GetByIdentifierAsync(district.Slug, default))!.DisplayName);
    }

    [Fact]
    public async Task An_unknown_slug_is_remembered_for_10_seconds_and_a_district_for_30()
    {
        var clock = new ManualClock();
        var store = new DistrictStore(db.App, clock);
        var district = await db.CreateDistrictAsync("Alder District");
        var slug = $"late{Guid.NewGuid():N}"[..12];
        Assert.Null(await store.GetByIdentifierAsync(slug, default));
        Assert.NotNull(await store.GetByIdentifierAsync(district.Slug, default));

        await Infrastructure.TestCluster.ExecAsync(db.ConnectionStrings.Owner!, $"insert into tenants (id, slug, name) values (gen_random_uuid(), '{slug}', 'Late')");
        await RenameAsync(district.Id, "Renamed");

        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Null(await store.GetByIdentifierAsync(slug, default));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("Late", (await store.GetByIdentifierAsync(slug, default))!.DisplayName);
        Assert.Equal("Alder District", (await store.GetByIdentifierAsync(district.Slug, default))!.DisplayName);
        clock.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal("Renamed", (await store.GetByIdentifierAsync(district.Slug, default))!.DisplayName);
    }

    /// <summary>Only the owner may change tenants; the trigger's NOTIFY reaches no one here.</summary>
    async Task RenameAsync(Guid id, string name)
    {
        await using var owner = new NpgsqlConnection(db.ConnectionStrings.Owner);
        await owner.OpenAsync();
        await using var cmd = new NpgsqlCommand("update tenants set name = $1 where id = $2", owner);
        cmd.Parameters.AddWithValue(name);
        cmd.Parameters.AddWithValue(id);
        await cmd.ExecuteNonQueryAsync();
    }

    sealed class ManualClock : TimeProvider
    {
        DateTimeOffset _now = new(2026, 1, 5, 12, 0, 0, TimeSpan.Zero);
        public void Advance(TimeSpan by) => _now += by;
        public override DateTimeOffset GetUtcNow() => _now;
    }
}
