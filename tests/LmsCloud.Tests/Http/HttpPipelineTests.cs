using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LmsCloud.Tests.Infrastructure;

namespace LmsCloud.Tests.Http;

/// <summary>What the HTTP pipeline gives every request: health and the OpenAPI document without a district, one log line per request.</summary>
public sealed class HttpPipelineTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Health_needs_no_district_and_reports_the_database()
    {
        foreach (var client in new[] { api.CreateClient(), api.ClientFor("nosuch") })
        {
            var response = await client.GetAsync("/health");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("healthy", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        }
    }

    [Fact]
    public async Task The_openapi_document_lists_the_district_endpoints()
    {
        var document = await api.CreateClient().GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var district = document.GetProperty("paths").GetProperty("/api/district");
        Assert.True(district.TryGetProperty("get", out _));
        Assert.True(district.TryGetProperty("put", out _));
    }

    [Fact]
    public async Task The_request_log_names_the_district()
    {
        var a = await api.Database.CreateDistrictAsync();
        await api.ClientFor(a.Slug).GetAsync("/api/district");

        Assert.Contains(api.Logs, log => log.Message.StartsWith("HTTP GET /api/district 200") && log.Message.EndsWith($"tenant={a.Slug}"));
    }
}
