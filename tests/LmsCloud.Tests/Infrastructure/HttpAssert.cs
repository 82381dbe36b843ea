using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace LmsCloud.Tests.Infrastructure;

public static class HttpAssert
{
    /// <summary>
    /// The response is an RFC 9457 problem with this status (and title, when given; and a detail saying why, when
    /// <paramref name="withDetail"/>); returns the problem document.
    /// </summary>
    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? title = null,
        bool withDetail = false)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        if (title != null) Assert.Equal(title, problem.GetProperty("title").GetString());
        if (withDetail)
            Assert.False(string.IsNullOrWhiteSpace(problem.TryGetProperty("detail", out var detail) ? detail.GetString() : null), "no detail");
        return problem;
    }

    /// <summary>A 400 validation problem whose errors name the field, with a message saying why.</summary>
    public static async Task ValidationProblemAsync(HttpResponseMessage response, string field, string? what = null)
    {
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out var messages) &&
                    !string.IsNullOrWhiteSpace(messages[0].GetString()), $"{what}: no error for {field} in {problem}");
    }
}
