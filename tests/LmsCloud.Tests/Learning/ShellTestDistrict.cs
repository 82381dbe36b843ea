using System.Net.Http.Json;
using System.Text.Json;
using LmsCloud.Core.Districts;
using LmsCloud.Tests.Infrastructure;
using LmsCloud.Tests.Rostering;
using Npgsql;

namespace LmsCloud.Tests.Learning;

/// <summary>
/// A district with northwind-1.1-bulk imported (so every class has a shell), and clients signed in as its people:
/// nw-t-001 teaches Algebra I P1 and P3 and English I P4; nw-s-001 takes Algebra I P1, Biology P2 and English I P4;
/// nw-s-009 takes Math 7 P1; nw-g-001 is the guardian of both; nw-t-003 belongs to the middle school (nw-ms).
/// </summary>
public sealed class ShellTestDistrict
{
    readonly ApiFactory _api;
    public DistrictSummary District { get; }

    ShellTestDistrict(ApiFactory api, DistrictSummary district) => (_api, District) = (api, district);

    public static async Task<ShellTestDistrict> CreateAsync(ApiFactory api)
    {
        var district = await api.Database.CreateDistrictAsync();
        await RosterSamples.ImportDirectlyAsync(api.Database, district.Id, "northwind-1.1-bulk");
        return new ShellTestDistrict(api, district);
    }

    public async Task<HttpClient> AsAsync(string sourcedId, string role) =>
        _api.ClientFor(District.Slug, TestTokens.Sign(_api.SigningKey, District.Slug, District.Id,
            await RosterSamples.InternalIdAsync(_api.Database, District.Id, "users", sourcedId), [role]));

    public Task<HttpClient> AsNewAsync(string role) => _api.ClientAsAsync(District, role);

    public async Task<Guid> ShellOfAsync(string classSourcedId)
    {
        var classId = await RosterSamples.InternalIdAsync(_api.Database, District.Id, "classes", classSourcedId);
        await using var conn = await _api.Database.OpenAsTenantAsync(District.Id);
        return await TestDatabase.ScalarAsync<Guid>(conn, "select shell_id from course_shell_classes where class_id = $1", classId);
    }

    public async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var conn = await _api.Database.OpenAsTenantAsync(District.Id);
        return await TestDatabase.ScalarAsync<T>(conn, sql, parameters);
    }

    public async Task ExecAsync(string sql, params object[] parameters)
    {
        await using var conn = await _api.Database.OpenAsTenantAsync(District.Id);
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var p in parameters) cmd.Parameters.AddWithValue(p);
        await cmd.ExecuteNonQueryAsync();
    }

    public Task<Guid> IdAsync(string entity, string sourcedId) => RosterSamples.InternalIdAsync(_api.Database, District.Id, entity, sourcedId);

    /// <summary>A published shell with one module holding one published lesson; returns (module, item).</summary>
    public static async Task<(Guid Module, Guid Item)> PublishedLessonAsync(HttpClient teacher, Guid shell, string body = "# Hello\n\nWelcome.")
    {
        var module = await PostAsync(teacher, $"/api/shells/{shell}/modules", new { title = "Week 1" });
        var item = await PostAsync(teacher, $"/api/shells/{shell}/modules/{module.GetProperty("id").GetGuid()}/items",
            new { kind = "lesson", title = "Intro", body, requirement = "must_view" });
        await PostAsync(teacher, $"/api/shells/{shell}/items/{item.GetProperty("id").GetGuid()}/publish", new { published = true });
        await PostAsync(teacher, $"/api/shells/{shell}/status", new { status = "published" });
        return (module.GetProperty("id").GetGuid(), item.GetProperty("id").GetGuid());
    }

    public static async Task<JsonElement> PostAsync(HttpClient client, string path, object body)
    {
        var response = await client.PostAsJsonAsync(path, body);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
