package io.sipfleet.api;

import io.sipfleet.device.FirmwareProfile;

/**
 * A firmware model as the REST API shows it: {@code {"name","budgetKind","lineCount"}}.
 *
 * @param name       the model name ("V2", "V3")
 * @param budgetKind how a non-last server's budget is measured ("DURATION", "RETRANSMISSIONS")
 * @param lineCount  how many lines a phone of this model has
 */
public record ModelView(String name, String budgetKind, int lineCount) {

    static ModelView of(FirmwareProfile profile) {
        return new ModelView(profile.name(), profile.budgetKind().name(), profile.lineCount());
    }
}
