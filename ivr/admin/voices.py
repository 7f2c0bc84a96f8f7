"""8x8's voices as last fetched: a list to look voices up in, never edited
here (`manage.py ivr_8x8_voices` replaces it)."""

from django.contrib import admin

from ivr.admin.history import ReadOnlyAdminMixin
from ivr.models import VoiceProfile


class LanguageFilter(admin.SimpleListFilter):
    """By language, named as 8x8 names it: "Danish (da-DK)"."""

    title = "language"
    parameter_name = "language"

    def lookups(self, request, model_admin):
        languages = (
            VoiceProfile.objects.order_by("locale_code")
            .values_list("locale_code", "locale_description")
            .distinct()
        )
        return [
            (code, f"{description} ({code})" if description else code)
            for code, description in languages
        ]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(locale_code=self.value())
        return queryset


@admin.register(VoiceProfile)
class VoiceProfileAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("code", "locale_description", "locale_code", "gender", "fetched_at")
    list_filter = (LanguageFilter,)
    search_fields = ("code", "locale_code", "locale_description")
    fields = list_display
